// Source preparation: the upload's blob made readable from any offset, with its hashes known
// before the body is sent. The blob itself is never kept (except for small bytes): the sending
// pass re-encrypts with the same key, which gives the same ciphertext.

import {
  encryptedLength,
  type HashInWorker,
  isHashWorkerError,
  isMediaReplayError,
  MediaEncryptor,
  type MediaEncryptorResult,
  type MediaInfo,
  type MediaType,
  replayCiphertext,
} from '@wa-media/crypto';
import { isMediaClientError, MediaUploadError } from '../errors.js';
import { hashInWorkerFor } from '../internal/worker-hashing.js';
import type { TransferControl } from '../transfers/transfer.js';
import { equalBytes, slices } from './body-slices.js';
import type { EncryptorOptions } from './upload-options.js';
import {
  abortableReads,
  asReopenable,
  checkChunk,
  iterateOnce,
  type ReopenableSource,
  type UploadSource,
  type UploadSpool,
} from './upload-source.js';

/** Up to this size a `Uint8Array` is encrypted once and its ciphertext kept (one pass). */
const ONE_PASS_BYTES_LIMIT = 1024 * 1024;

/** A prepared blob: its metadata, and a way to read it from any offset. */
export interface PreparedBlob {
  readonly info: MediaInfo;
  readonly length: number;
  read(offset: number): AsyncIterable<Uint8Array>;
  dispose(): Promise<void>;
}

/**
 * Makes `source` readable from any offset with its hashes known (the token needs them before
 * the body): bytes up to 1 MiB are encrypted once and kept; re-readable sources are hashed in
 * a first pass and re-encrypted when sent; one-shot streams are spooled while hashed.
 * @throws {MediaUploadError} `source-failed` when the source or the spool fails.
 */
export async function prepareBlob(
  source: UploadSource,
  type: MediaType,
  encryptorOptions: EncryptorOptions,
  spool: UploadSpool,
  control: TransferControl,
): Promise<PreparedBlob> {
  let reopenable = asReopenable(source);
  if (reopenable instanceof Uint8Array && reopenable.length > ONE_PASS_BYTES_LIMIT) {
    // Large bytes are read twice like a file: keeping their ciphertext would double the memory.
    const bytes = reopenable;
    reopenable = {
      size: bytes.length,
      async *open() {
        yield* slices(bytes);
      },
    };
  }
  if (reopenable instanceof Uint8Array) {
    // Small bytes: encrypt once and keep the blob (one pass instead of two).
    const encryptor = new MediaEncryptor(type, encryptorOptions);
    const body = encryptor.update(reopenable);
    const { tail, info } = encryptor.finalize();
    const data = new Uint8Array(body.length + tail.length);
    data.set(body, 0);
    data.set(tail, body.length);
    return {
      info,
      length: data.length,
      async *read(offset) {
        yield* slices(data.subarray(offset));
      },
      async dispose() {},
    };
  }
  if (reopenable !== undefined) {
    const readable = reopenable;
    const hash = (hashInWorker: HashInWorker): Promise<MediaEncryptorResult> =>
      hashPass(
        abortableReads(readable.open(), control),
        type,
        { ...encryptorOptions, hashInWorker },
        undefined,
        control,
      );
    let hashed: MediaEncryptorResult;
    try {
      // Large files: the hashes run on crypto's worker thread beside the cipher.
      hashed = await hash(hashInWorkerFor(reopenable.size));
    } catch (error) {
      if (!isHashWorkerError(error)) throw error;
      // The hashing thread died (its hash states with it): hash again on this thread alone.
      hashed = await hash(false);
    }
    return preparedFrom(reopenable, hashed, type, async () => {});
  }
  // One-shot stream: spool while hashing, then read the spool for the upload pass.
  let writer: Awaited<ReturnType<UploadSpool['create']>>;
  try {
    writer = await spool.create();
  } catch (error) {
    throw new MediaUploadError('source-failed', 'Creating the upload spool failed', {
      cause: error,
    });
  }
  let hashed: MediaEncryptorResult;
  try {
    hashed = await hashPass(
      abortableReads(iterateOnce(source), control),
      type,
      encryptorOptions,
      writer,
      control,
    );
  } catch (error) {
    await writer.abort().catch(() => {});
    throw error;
  }
  let spooled: Awaited<ReturnType<typeof writer.finish>>;
  try {
    spooled = await writer.finish();
  } catch (error) {
    // Whatever was written is removed: a failed upload leaves no spool file.
    await writer.abort().catch(() => {});
    throw new MediaUploadError('source-failed', 'Finishing the upload spool failed', {
      cause: error,
    });
  }
  return preparedFrom(spooled, hashed, type, () => spooled.dispose());
}

async function hashPass(
  chunks: AsyncIterable<Uint8Array>,
  type: MediaType,
  encryptorOptions: EncryptorOptions & { hashInWorker?: HashInWorker },
  spool: { write(chunk: Uint8Array): Promise<void> | void } | undefined,
  control: TransferControl,
): Promise<MediaEncryptorResult> {
  const encryptor = new MediaEncryptor(type, encryptorOptions);
  try {
    for await (const chunk of chunks) {
      checkChunk(chunk);
      // Paused or cancelled while hashing: wait here (or stop).
      if (control.signal.aborted) await control.checkpoint();
      // Only the hashes are kept from this pass: `updateParts` skips joining output we drop.
      encryptor.updateParts(chunk);
      if (spool !== undefined) await spool.write(chunk);
    }
  } catch (error) {
    if (isMediaClientError(error) || isHashWorkerError(error)) throw error;
    throw new MediaUploadError('source-failed', 'Reading the upload source failed', {
      cause: error,
    });
  }
  return encryptor.finalize();
}

function preparedFrom(
  source: ReopenableSource,
  hashed: MediaEncryptorResult,
  type: MediaType,
  dispose: () => Promise<void>,
): PreparedBlob {
  const { info, tail } = hashed;
  const length = info.encrypted ? encryptedLength(info.fileLength) : info.fileLength;
  const mediaKey = info.mediaKey;
  return {
    info,
    length,
    dispose,
    async *read(offset) {
      if (mediaKey === undefined) {
        yield* plaintextPass(source, type, info, offset);
        return;
      }
      yield* sendingPass(source, type, mediaKey, tail, offset);
    },
  };
}

/**
 * Plaintext media: the bytes themselves. The whole source is re-read and hashed (also before a
 * resume offset), and the last piece is held back until the hash and length match the hashing
 * pass: a source that changed fails with `source-failed` instead of a body every host rejects.
 */
async function* plaintextPass(
  source: ReopenableSource,
  type: MediaType,
  info: MediaInfo,
  offset: number,
): AsyncGenerator<Uint8Array> {
  const hasher = new MediaEncryptor(type, { encrypted: false, sidecar: false });
  let position = 0;
  let held: Uint8Array | undefined;
  for await (const chunk of source.open()) {
    const end = position + checkChunk(chunk).length;
    hasher.updateParts(chunk);
    if (end > offset) {
      for (const piece of slices(position >= offset ? chunk : chunk.subarray(offset - position))) {
        if (held !== undefined) yield held;
        held = piece;
      }
    }
    position = end;
  }
  if (
    position !== info.fileLength ||
    !equalBytes(hasher.finalize().info.fileSha256, info.fileSha256)
  ) {
    throw new MediaUploadError(
      'source-failed',
      'The source changed between the hashing and the upload pass',
    );
  }
  if (held !== undefined) yield held;
}

/**
 * Same key ⇒ same ciphertext: the hashes and the MAC are known from the hashing pass, so this
 * pass only runs the cipher again (crypto's `replayCiphertext`, which knows the block layout
 * and checks the source did not change in between).
 */
async function* sendingPass(
  source: ReopenableSource,
  type: MediaType,
  mediaKey: Uint8Array,
  tail: Uint8Array,
  offset: number,
): AsyncGenerator<Uint8Array> {
  async function* checked(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source.open()) yield checkChunk(chunk);
  }
  try {
    yield* replayCiphertext(checked(), { type, mediaKey, tail, offset });
  } catch (error) {
    if (!isMediaReplayError(error)) throw error;
    throw new MediaUploadError(
      'source-failed',
      'The source changed between the hashing and the upload pass',
      { cause: error },
    );
  }
}
