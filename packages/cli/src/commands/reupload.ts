import {
  booleanFlag,
  type CommandSpec,
  type FlagSpec,
  requireFlag,
  stringFlag,
} from '../command.js';
import { CliError } from '../errors.js';
import { CONNECTION_FLAGS, connect } from './connection.js';
import { MEDIA_KEY_FLAG, mediaKeyFlag } from './media-flags.js';

/** The flags that name a received message (for media reupload). */
export const REUPLOAD_TARGET_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'msg-id': {
    type: 'string',
    value: 'ID',
    description: 'id of the message that carried the media',
  },
  'chat-jid': { type: 'string', value: 'JID', description: 'the chat the message is in' },
  'from-me': { type: 'boolean', description: 'the message was sent by this account' },
  participant: {
    type: 'string',
    value: 'JID',
    description: 'the sender, for group and broadcast messages',
  },
};

/** `wa-media reupload`: ask the sender's phone to upload expired media again (media retry). */
export const reuploadCommand: CommandSpec = {
  name: 'reupload',
  summary: 'ask the sender’s phone to re-upload expired media (media retry)',
  usage: [
    'reupload --msg-id ID --chat-jid JID --media-key KEY [--from-me] [--participant JID] --emulator URL --emulator-token T',
  ],
  details: [
    'Sends the encrypted server-error receipt and waits (30 s) for the mediaretry notification.',
    'On success prints the new direct path: download again with it and the original key and',
    'hashes. Exit 6 when the phone answers not-found, decryption-error or general-error, or',
    'never answers.',
  ],
  flags: {
    ...REUPLOAD_TARGET_FLAGS,
    'media-key': MEDIA_KEY_FLAG,
    'history-sync': {
      type: 'boolean',
      description: 'the media is a history-sync blob (receipt category peer, no rmr)',
    },
    timeout: { type: 'string', value: 'MS', description: 'answer timeout in ms (default 30000)' },
    ...CONNECTION_FLAGS,
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const msgId = requireFlag(context, 'msg-id');
    const chatJid = requireFlag(context, 'chat-jid');
    const mediaKey = mediaKeyFlag(context, true);
    const participant = stringFlag(context, 'participant');
    const rawTimeout = stringFlag(context, 'timeout');
    const timeoutMs = rawTimeout === undefined ? undefined : Number(rawTimeout);
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
      throw new CliError('usage', '--timeout must be a positive integer (ms)');
    }
    const connection = await connect(context, { needSignaling: true, what: 'reupload' });
    try {
      const result = await connection.client.mediaReupload.request({
        msgId,
        chatJid,
        mediaKey,
        isFromMe: booleanFlag(context, 'from-me'),
        signal: context.signal,
        ...(participant === undefined ? {} : { participant }),
        ...(booleanFlag(context, 'history-sync') ? { historySync: true } : {}),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      if (result.status !== 'success') {
        throw new CliError('reuploadFailed', `the phone answered ${result.status}`, {
          code: result.status,
        });
      }
      context.out.result([`re-uploaded: new directPath ${result.directPath}`], {
        msgId,
        status: result.status,
        directPath: result.directPath,
      });
    } finally {
      connection.close();
    }
  },
};
