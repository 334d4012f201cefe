// A small, real media client for the store's tests while @wa-media/client is being written:
// downloads over HTTP from the emulator's hosts, verifies with @wa-media/crypto, writes temp +
// rename, and runs media retry over a MediaSignaling on 404/410. Its errors mimic the shapes the
// store's classifier expects (name/code/status/attempts), so the store's real code paths run.
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { decryptMediaRetry, encryptMediaRetry, MediaDecryptor } from '@wa-media/crypto';
import {
  buildServerErrorReceipt,
  CDN_HEADERS,
  decodeMediaRetryNotification,
  encodeServerErrorReceipt,
  getMediaContent,
  isMediaRetryNotificationFor,
  type MediaSignaling,
  type Message,
  parseMediaRetryNotification,
} from '@wa-media/protocol';
import type { StoreDownloadOptions, StoreMediaClient } from '../client-port.js';

export class LoopbackDownloadError extends Error {
  override name = 'MediaDownloadError';
  constructor(
    readonly code: string,
    readonly attempts: { host: string; status?: number; cause?: unknown }[],
  ) {
    super(`download failed: ${code}`);
  }
}

export class LoopbackReuploadError extends Error {
  override name = 'MediaReuploadError';
  constructor(readonly code: string) {
    super(`media reupload failed: ${code}`);
  }
}

export interface LoopbackClientOptions {
  /** CDN hosts as `127.0.0.1:<port>`. */
  hosts: readonly string[];
  signaling?: MediaSignaling;
  reuploadTimeoutMs?: number;
}

export interface LoopbackMediaClient extends StoreMediaClient {
  /** downloadToFile calls so far (tests count them). */
  readonly calls: number;
  readonly reuploads: number;
}

export function createLoopbackMediaClient(options: LoopbackClientOptions): LoopbackMediaClient {
  let calls = 0;
  let reuploads = 0;

  // Streams the blob through the decryptor into a temp file beside `path`; renames only after
  // every check passed. Any failure removes the temp file.
  async function fetchVerified(
    directPath: string,
    path: string,
    decryptor: () => MediaDecryptor,
    signal: AbortSignal | undefined,
  ): Promise<{ stored: boolean; attempts: LoopbackDownloadError['attempts'] }> {
    const attempts: LoopbackDownloadError['attempts'] = [];
    for (const host of options.hosts) {
      const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
      try {
        const response = await fetch(`http://${host}${directPath}`, {
          headers: CDN_HEADERS,
          ...(signal === undefined ? {} : { signal }),
        });
        if (response.status !== 200 || response.body === null) {
          await response.arrayBuffer().catch(() => undefined);
          attempts.push({ host, status: response.status });
          continue;
        }
        const file = await open(temp, 'w');
        try {
          const decrypt = decryptor();
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
            await file.write(decrypt.update(chunk));
          }
          await file.write(decrypt.finalize().tail);
          await file.sync();
        } finally {
          await file.close();
        }
        await rename(temp, path);
        return { stored: true, attempts };
      } catch (cause) {
        await unlink(temp).catch(() => undefined);
        if (signal?.aborted) throw signal.reason;
        attempts.push({ host, cause });
      }
    }
    return { stored: false, attempts };
  }

  async function reupload(
    message: Message,
    mediaKey: Uint8Array,
    info: NonNullable<StoreDownloadOptions['reupload']>,
  ): Promise<string> {
    const signaling = options.signaling;
    const ownJid = signaling?.ownJid();
    if (signaling === undefined || ownJid === undefined) {
      throw new LoopbackReuploadError('not-logged-in');
    }
    void message;
    reuploads++;
    const sealed = encryptMediaRetry({
      mediaKey,
      messageId: info.msgId,
      plaintext: encodeServerErrorReceipt(info.msgId),
    });
    const reply = signaling.waitFor(isMediaRetryNotificationFor(info.msgId), {
      timeoutMs: options.reuploadTimeoutMs ?? 5000,
    });
    await signaling.send(
      buildServerErrorReceipt({
        msgId: info.msgId,
        ownJid,
        chatJid: info.chatJid,
        isFromMe: info.isFromMe,
        participant: info.participant,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
      }),
    );
    let node: Awaited<typeof reply>;
    try {
      node = await reply;
    } catch {
      throw new LoopbackReuploadError('timeout');
    }
    const stanza = parseMediaRetryNotification(node);
    if (stanza.result.kind === 'error') {
      throw new LoopbackReuploadError(stanza.result.code === 2 ? 'not-found' : 'general-error');
    }
    const decoded = decodeMediaRetryNotification(
      decryptMediaRetry({
        mediaKey,
        messageId: info.msgId,
        ciphertext: stanza.result.ciphertext,
        iv: stanza.result.iv,
      }),
    );
    if (decoded.result !== 'success' || decoded.directPath === undefined) {
      throw new LoopbackReuploadError(decoded.result);
    }
    return decoded.directPath;
  }

  return {
    get calls() {
      return calls;
    },
    get reuploads() {
      return reuploads;
    },
    async downloadToFile(message, path, downloadOptions = {}) {
      calls++;
      const media = getMediaContent(message);
      if (media === undefined) throw Object.assign(new Error('no media'), { name: 'NoMediaError' });
      const content = media.content as {
        directPath?: string;
        mediaKey?: Uint8Array;
        fileSha256?: Uint8Array;
        fileEncSha256?: Uint8Array;
      };
      const mediaKey = content.mediaKey!;
      const decryptor = (): MediaDecryptor =>
        new MediaDecryptor({
          type: media.mediaType,
          mediaKey,
          ...(content.fileSha256 === undefined ? {} : { fileSha256: content.fileSha256 }),
          ...(content.fileEncSha256 === undefined ? {} : { fileEncSha256: content.fileEncSha256 }),
        });
      let result = await fetchVerified(
        content.directPath!,
        path,
        decryptor,
        downloadOptions.signal,
      );
      const expired =
        !result.stored &&
        result.attempts.every((attempt) => attempt.status === 404 || attempt.status === 410);
      if (expired && downloadOptions.reupload !== undefined && options.signaling !== undefined) {
        const directPath = await reupload(message, mediaKey, downloadOptions.reupload);
        result = await fetchVerified(directPath, path, decryptor, downloadOptions.signal);
      }
      if (!result.stored) {
        const integrity = result.attempts.some(
          (attempt) => (attempt.cause as { name?: string })?.name === 'MediaIntegrityError',
        );
        const allExpired = result.attempts.every(
          (attempt) => attempt.status === 404 || attempt.status === 410,
        );
        throw new LoopbackDownloadError(
          integrity ? 'integrity' : allExpired ? 'expired' : 'network',
          result.attempts,
        );
      }
    },
  };
}
