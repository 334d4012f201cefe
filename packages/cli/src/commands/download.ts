// `wa-media download`: media params (a file, JSON or flags) to a verified file or stdout, written
// through a temp file so nothing unverified is ever left at OUT.

import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AutoReuploadOptions, Downloadable, DownloadParams } from '@wa-media/client';
import { mediaTypeInfo } from '@wa-media/crypto';
import { booleanFlag, type CommandContext, type CommandSpec, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { formatBytes, formatRate, toBase64 } from '../io/bytes.js';
import { checkOutputPath } from '../io/files.js';
import { CONNECTION_FLAGS, connect, emulatorControl } from './connection.js';
import { type LoadedInput, loadDownloadable, paramsFromFlags } from './download-input.js';
import {
  FILE_ENC_SHA256_FLAG,
  FILE_SHA256_FLAG,
  MEDIA_KEY_FLAG,
  TYPE_FLAG,
  UNENCRYPTED_FLAGS,
} from './media-flags.js';
import { rejectJsonWithStdout } from './pipe.js';
import { REUPLOAD_TARGET_FLAGS } from './reupload.js';
import { awaitTransfer } from './transfer.js';

function chooseInput(context: CommandContext): Promise<LoadedInput> {
  const params = stringFlag(context, 'params');
  const message = stringFlag(context, 'message');
  const direct = stringFlag(context, 'direct-path') ?? stringFlag(context, 'url');
  const given = [params, message, direct].filter((value) => value !== undefined).length;
  if (given !== 1 || (stringFlag(context, 'direct-path') && stringFlag(context, 'url'))) {
    throw new UsageError(
      'give exactly one of --params FILE, --message FILE, --direct-path PATH or --url URL',
    );
  }
  if (
    direct === undefined &&
    (booleanFlag(context, 'unencrypted') || booleanFlag(context, 'newsletter'))
  ) {
    // The JSON or message says for itself whether it is encrypted.
    throw new UsageError('--unencrypted / --newsletter only go with --direct-path or --url');
  }
  if (params !== undefined) return loadDownloadable('--params', params, context.std);
  if (message !== undefined) return loadDownloadable('--message', message, context.std);
  return Promise.resolve({ downloadable: paramsFromFlags(context) });
}

function registerSecrets(context: CommandContext, downloadable: Downloadable): void {
  const key = (downloadable as { mediaKey?: unknown }).mediaKey;
  if (key instanceof Uint8Array) context.out.secrets.add(toBase64(key));
}

/** Params (not a message) that say the blob is plaintext: newsletter or product media. */
function isUnencrypted(downloadable: Downloadable): boolean {
  const params = downloadable as Partial<DownloadParams>;
  if (typeof params.directPath !== 'string' || typeof params.type !== 'string') return false;
  return params.encrypted === false || !mediaTypeInfo(params.type).encrypted;
}

/**
 * The message to re-request expired media for: from `--msg-id` / `--chat-jid` (which need a
 * connection), else from a WebMessageInfo's `key`, used when there is a connection to ask over.
 */
function reuploadTarget(
  context: CommandContext,
  input: LoadedInput,
): AutoReuploadOptions | undefined {
  const { downloadable, key } = input;
  const msgId = stringFlag(context, 'msg-id');
  const chatJid = stringFlag(context, 'chat-jid');
  if (msgId === undefined && chatJid === undefined) {
    if (key === undefined || isUnencrypted(downloadable)) return undefined;
    if (emulatorControl(context) === undefined) {
      context.out.note(
        `the message's key (${key.msgId}) is known, but without a connection (--emulator) expired media cannot be re-requested`,
      );
      return undefined;
    }
    return key;
  }
  if (isUnencrypted(downloadable)) {
    // Media retry needs the media key (docs/protocol.md §5); the client would skip it silently.
    throw new UsageError(
      '--msg-id / --chat-jid: unencrypted (newsletter, product) media cannot be re-uploaded by the phone',
      { code: 'newsletter' },
    );
  }
  if (msgId === undefined || chatJid === undefined) {
    throw new UsageError('automatic reupload needs both --msg-id and --chat-jid');
  }
  const participant = stringFlag(context, 'participant');
  return {
    msgId,
    chatJid,
    isFromMe: booleanFlag(context, 'from-me'),
    ...(participant === undefined ? {} : { participant }),
  };
}

/** `wa-media download`: fetch, verify and write media; nothing is written unless verified. */
export const downloadCommand: CommandSpec = {
  name: 'download',
  summary: 'download, verify and decrypt media to a file (streaming, host failover)',
  usage: [
    'download --params FILE [connection] OUT          (the --json output of upload; - = stdin)',
    'download --message FILE [connection] OUT         (a Message or WebMessageInfo: protobuf bytes or JSON)',
    'download --type T --url URL --media-key KEY [--file-sha256 HASH] [connection] OUT   (the message’s full url)',
    'download --type T --direct-path P --media-key KEY [--file-sha256 HASH] [--file-enc-sha256 HASH] [connection] OUT',
    'download --type T --direct-path P --unencrypted --file-sha256 HASH [connection] OUT   (newsletter media)',
  ],
  details: [
    'OUT is written to a temp file beside it and renamed only after every check passed;',
    'a failed download leaves nothing (exit 3 integrity, 4 network, 5 expired/not found).',
    'OUT may be - (stdout; spooled to a temp file first, written once verified).',
    'Without --emulator it uses WhatsApp’s default CDN hosts (no signalling).',
    'With --msg-id and --chat-jid, expired media (404/410) is re-requested from the sender’s',
    'phone (media reupload) and downloaded again by itself. A WebMessageInfo file (Baileys’',
    '`{ key, message }`, bytes as {"type":"Buffer","data":"<base64>"}) gives them by its key',
    '(id, remoteJid, fromMe, participant) when there is a connection (--emulator).',
    '--url takes the message’s full URL: tried as it is first, then its path on the CDN hosts.',
    'Unencrypted media (newsletter uploads: encrypted:false in the --params JSON, or',
    '--unencrypted with --direct-path; product-catalog-image always) has no key: the blob is the',
    'file, verified by its SHA-256 before anything is written.',
  ],
  flags: {
    params: { type: 'string', value: 'FILE', description: 'upload result JSON (or - for stdin)' },
    message: {
      type: 'string',
      value: 'FILE',
      description: 'a Message as protobuf bytes or JSON (or - for stdin)',
    },
    type: TYPE_FLAG,
    'direct-path': {
      type: 'string',
      value: 'PATH',
      description: 'the message’s directPath (with its signed query)',
    },
    url: {
      type: 'string',
      value: 'URL',
      description: 'the message’s full url (instead of --direct-path)',
    },
    'media-key': MEDIA_KEY_FLAG,
    'file-sha256': FILE_SHA256_FLAG,
    'file-enc-sha256': FILE_ENC_SHA256_FLAG,
    ...UNENCRYPTED_FLAGS,
    thumbnail: {
      type: 'boolean',
      description: 'with --message: download the server-hosted thumbnail instead',
    },
    ...REUPLOAD_TARGET_FLAGS,
    ...CONNECTION_FLAGS,
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'wa-media upload --json --type image --emulator "$URL" --emulator-token "$T" a.jpg > a.json',
    'wa-media download --params a.json --emulator "$URL" --emulator-token "$T" a.copy.jpg',
  ],
  async run(context) {
    const [output = ''] = context.positionals;
    rejectJsonWithStdout(context, output);
    const input = await chooseInput(context);
    const { downloadable } = input;
    registerSecrets(context, downloadable);
    const reupload = reuploadTarget(context, input);
    if (output !== '-') await checkOutputPath('OUT', output);
    const connection = await connect(context, {
      needSignaling: reupload !== undefined,
      what: 'automatic reupload',
    });
    // stdout gets the bytes only once verified: download to a private temp folder first.
    let tempDir: string | undefined;
    try {
      if (output === '-') tempDir = await mkdtemp(join(tmpdir(), 'wa-media-'));
      const target = tempDir === undefined ? output : join(tempDir, 'media');
      const started = performance.now();
      const result = await awaitTransfer(
        context,
        'download',
        connection.client.downloadToFile(downloadable, target, {
          ...(reupload === undefined ? {} : { reupload }),
          ...(booleanFlag(context, 'thumbnail') ? { thumbnail: true } : {}),
        }),
      );
      const ms = performance.now() - started;
      if (tempDir !== undefined) {
        await pipeline(createReadStream(target), context.std.stdout, { end: false });
      }
      const summary = `downloaded and verified ${formatBytes(result.fileLength)} (${formatRate(result.fileLength, ms)})`;
      if (output === '-') context.out.note(summary);
      context.out.result(
        output === '-'
          ? []
          : [
              summary,
              `fileSha256:    ${toBase64(result.fileSha256)}`,
              `fileEncSha256: ${toBase64(result.fileEncSha256)}`,
              `written to ${output}`,
            ],
        {
          path: output === '-' ? null : output,
          fileSha256: toBase64(result.fileSha256),
          fileEncSha256: toBase64(result.fileEncSha256),
          fileLength: result.fileLength,
        },
      );
    } finally {
      connection.close();
      if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
    }
  },
};
