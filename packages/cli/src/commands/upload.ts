// `wa-media upload`: a file to the CDN through the client, printing the upload result (the
// message fields a sender needs) as text or JSON.

import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { UploadResult } from '@wa-media/client';
import { fileSource } from '@wa-media/client/node';
import { type CommandSpec, requireFlag, stringFlag } from '../command.js';
import { UsageError } from '../errors.js';
import { formatBytes, formatRate, toBase64 } from '../io/bytes.js';
import { checkInputFile, checkOutputPath } from '../io/files.js';
import { CONNECTION_FLAGS, connect, emulatorCall } from './connection.js';
import {
  MEDIA_KEY_FLAG,
  mediaKeyFlag,
  requireType,
  TYPE_FLAG,
  UNENCRYPTED_FLAGS,
  unencryptedFlag,
} from './media-flags.js';
import { awaitTransfer } from './transfer.js';
import { describeFlags, uploadDescribed } from './upload-describe.js';

/**
 * The JSON shape of an upload result (what `download --params` reads back). Unencrypted media
 * (newsletter, product-catalog-image) has `encrypted: false`, no `mediaKey`, and the CDN's
 * `handle` (a newsletter message sends it as its media id).
 */
export function uploadResultJson(result: UploadResult): Record<string, unknown> {
  return {
    type: result.type,
    encrypted: result.encrypted,
    url: result.url,
    directPath: result.directPath,
    ...(result.mediaKey === undefined ? {} : { mediaKey: toBase64(result.mediaKey) }),
    fileSha256: toBase64(result.fileSha256),
    fileEncSha256: toBase64(result.fileEncSha256),
    fileLength: result.fileLength,
    mediaKeyTimestamp: result.mediaKeyTimestamp,
    ...(result.handle === undefined ? {} : { handle: result.handle }),
    ...(result.streamingSidecar === undefined
      ? {}
      : { streamingSidecar: toBase64(result.streamingSidecar) }),
  };
}

/**
 * Writes the download parameters to `path`, readable by its owner only (they hold the media
 * key): a temp file beside it, renamed into place.
 */
async function writeParamsFile(path: string, data: Record<string, unknown>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`);
  try {
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * `wa-media upload`: encrypt and upload a file (resumable from 5 MiB), print the message fields.
 * With `--unencrypted` / `--newsletter` (and always for product-catalog-image) the file is
 * uploaded as it is.
 */
export const uploadCommand: CommandSpec = {
  name: 'upload',
  summary:
    'encrypt (unless --unencrypted) and upload a file to the CDN, print what a message needs',
  usage: [
    'upload --type TYPE [--media-key KEY] [--msg-id ID] [--params-out FILE] --emulator URL --emulator-token T IN',
    'upload --type TYPE --unencrypted --emulator URL --emulator-token T IN   (newsletter media)',
  ],
  details: [
    'IN may be - (stdin; spooled to a temp file while hashed). Prints the direct path, URL,',
    'media key and hashes (--json: the object `wa-media download --params` reads; --params-out',
    'FILE writes that object to FILE, readable by you only, since it holds the media key).',
    'Uploads need a logged-in connection for the CDN auth token: from the command line that is',
    'the emulator; in an application, pass a live socket to @wa-media/client.',
    '--msg-id (emulator only) also tells the emulated phone it sent this message, so',
    '`wa-media reupload` can later re-request it.',
    '--unencrypted (alias --newsletter): channel media, uploaded as plaintext to the newsletter',
    'endpoint; no media key, the result has encrypted:false and the CDN handle (the message’s',
    'media id). product-catalog-image is always uploaded this way, without the flag.',
  ],
  flags: {
    type: TYPE_FLAG,
    'media-key': {
      ...MEDIA_KEY_FLAG,
      description: 'use this 32-byte key, base64 (default: a new random key)',
    },
    'msg-id': {
      type: 'string',
      value: 'ID',
      description: 'emulator: remember the upload as this message on the emulated phone',
    },
    'chat-jid': {
      type: 'string',
      value: 'JID',
      description: 'with --msg-id: the chat the phone expects in reupload requests',
    },
    'params-out': {
      type: 'string',
      value: 'FILE',
      description: 'also write the download parameters (for download --params) to FILE (mode 600)',
    },
    ...UNENCRYPTED_FLAGS,
    ...describeFlags,
    ...CONNECTION_FLAGS,
  },
  positionals: { min: 1, max: 1 },
  examples: [
    'wa-media upload --type video --json --emulator "$URL" --emulator-token "$TOKEN" clip.mp4 > clip.json',
    'wa-media upload --type image --newsletter --json --emulator "$URL" --emulator-token "$TOKEN" a.jpg > a.json',
  ],
  async run(context) {
    const [input = ''] = context.positionals;
    const type = requireType(context);
    const unencrypted = unencryptedFlag(context, type);
    const mediaKey = mediaKeyFlag(context, false);
    const msgId = stringFlag(context, 'msg-id');
    if (unencrypted && msgId !== undefined) {
      // Media retry needs the media key (docs/protocol.md §5): nothing for the phone to remember.
      throw new UsageError(
        '--msg-id cannot be used with unencrypted media: newsletter and product media cannot be re-uploaded by the phone',
        { code: 'newsletter' },
      );
    }
    const chatJid = msgId === undefined ? undefined : stringFlag(context, 'chat-jid');
    if (msgId === undefined && stringFlag(context, 'chat-jid') !== undefined) {
      requireFlag(context, 'msg-id');
    }
    if (input !== '-') await checkInputFile('IN', input);
    const paramsOut = stringFlag(context, 'params-out');
    if (paramsOut !== undefined) await checkOutputPath('--params-out', paramsOut);
    const source =
      input === '-'
        ? (Readable.toWeb(context.std.stdin as Readable) as ReadableStream<Uint8Array>)
        : await fileSource(input);
    const connection = await connect(context, { needSignaling: true, what: 'upload' });
    try {
      const started = performance.now();
      const options = {
        ...(mediaKey === undefined ? {} : { mediaKey }),
        ...(msgId === undefined ? {} : { id: msgId }),
        ...(unencrypted ? { encrypted: false } : {}),
      };
      const described =
        context.flags.describe === true
          ? await uploadDescribed(context, connection.client, input, source, type, options)
          : undefined;
      const result =
        described?.result ??
        (await awaitTransfer(context, 'upload', connection.client.upload(source, type, options)));
      const ms = performance.now() - started;
      if (
        msgId !== undefined &&
        connection.emulator !== undefined &&
        result.mediaKey !== undefined
      ) {
        await emulatorCall(connection.emulator, '/_phone/remember', {
          msgId,
          mediaKey: { $b64: toBase64(result.mediaKey) },
          directPath: result.directPath,
          ...(chatJid === undefined ? {} : { chatJid }),
        });
      }
      const data: Record<string, unknown> = {
        ...uploadResultJson(result),
        ...(msgId === undefined ? {} : { msgId }),
        ...described?.json,
      };
      if (paramsOut !== undefined) await writeParamsFile(paramsOut, data);
      context.out.result(
        [
          `uploaded ${formatBytes(result.fileLength)} as ${type} (${formatRate(result.fileLength, ms)})`,
          `directPath:    ${result.directPath}`,
          `mediaKey:      ${data.mediaKey ?? '(none: not encrypted; checked by fileSha256)'}`,
          `fileSha256:    ${data.fileSha256}`,
          `fileEncSha256: ${data.fileEncSha256}`,
          `fileLength:    ${result.fileLength}`,
          ...(result.handle === undefined ? [] : [`handle:        ${result.handle}`]),
          ...(msgId === undefined
            ? []
            : [`msgId:         ${msgId} (remembered by the emulated phone)`]),
          ...(described?.lines ?? []),
          paramsOut === undefined
            ? 'download it with --json output saved to a file: wa-media download --params FILE OUT'
            : `download parameters written to ${paramsOut}: wa-media download --params ${paramsOut} OUT`,
        ],
        data,
      );
    } finally {
      connection.close();
    }
  },
};
