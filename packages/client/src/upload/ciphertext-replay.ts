// The sending pass's AES-CBC on WebCrypto: the plaintext is encrypted again in 1 MiB batches
// computed ahead of the network (a bounded producer / consumer queue), WebCrypto's padding
// block dropped and the IV chained between calls, ending with the hashing pass's tail.

import { MediaUploadError } from '../errors.js';
import { equalBytes, slices } from './body-slices.js';
import { checkChunk, type ReopenableSource } from './upload-source.js';

/** Plaintext bytes per WebCrypto call: large enough to amortise the call, small for memory. */
const CBC_BATCH = 1024 * 1024;

/** Encrypted batches computed ahead of the network (bounded: memory stays O(batch)). */
const BATCHES_AHEAD = 2;

export async function* regenerateCiphertext(
  source: ReopenableSource,
  keys: { cipherKey: Uint8Array; iv: Uint8Array },
  expectedTail: Uint8Array,
  offset: number,
): AsyncGenerator<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    keys.cipherKey as Uint8Array<ArrayBuffer>,
    'AES-CBC',
    false,
    ['encrypt'],
  );
  // A producer encrypts the next batches (WebCrypto works off the main thread in Node) while
  // this generator hands the current one to the network.
  const queue: Uint8Array[] = [];
  let finished = false;
  let failure: unknown;
  let stopped = false;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const notify = (): void => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const push = async (out: Uint8Array): Promise<void> => {
    queue.push(out);
    notify();
    while (queue.length >= BATCHES_AHEAD && !stopped) {
      await new Promise<void>((resolve) => {
        wakeProducer = resolve;
      });
    }
  };
  const produce = async (): Promise<void> => {
    let chain: Uint8Array<ArrayBuffer> = keys.iv.slice();
    // WebCrypto pads every call; the extra last block of a whole-block input is dropped, and
    // the last ciphertext block chains into the next call as its iv.
    const encrypt = async (plain: Uint8Array<ArrayBuffer>): Promise<Uint8Array> =>
      new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: chain }, key, plain));
    // WebCrypto copies its input when called (the spec says so), so one batch buffer serves
    // every call: no 1 MiB allocation per batch for the garbage collector.
    const batch = new Uint8Array(CBC_BATCH);
    let filled = 0;
    try {
      for await (const chunk of source.open()) {
        if (stopped) return;
        let rest = checkChunk(chunk);
        if (filled === 0 && rest.length === CBC_BATCH) {
          // A read of exactly one batch (fileSource reads 1 MiB) goes to WebCrypto uncopied.
          const out = (await encrypt(rest as Uint8Array<ArrayBuffer>)).subarray(0, CBC_BATCH);
          chain = out.slice(CBC_BATCH - 16);
          await push(out);
          if (stopped) return;
          continue;
        }
        while (rest.length > 0) {
          const take = Math.min(rest.length, CBC_BATCH - filled);
          batch.set(rest.subarray(0, take), filled);
          filled += take;
          rest = rest.subarray(take);
          if (filled === CBC_BATCH) {
            const out = (await encrypt(batch)).subarray(0, CBC_BATCH);
            chain = out.slice(CBC_BATCH - 16);
            filled = 0;
            await push(out);
            if (stopped) return;
          }
        }
      }
      // The final call keeps WebCrypto's padding: its last block must equal the hashing pass's.
      const last = await encrypt(batch.slice(0, filled));
      if (!equalBytes(last.subarray(last.length - 16), expectedTail.subarray(0, 16))) {
        throw new MediaUploadError(
          'source-failed',
          'The source changed between the hashing and the upload pass',
        );
      }
      await push(last);
      await push(expectedTail.subarray(16));
    } catch (error) {
      failure = error;
    } finally {
      finished = true;
      notify();
    }
  };
  const producing = produce();
  let position = 0;
  try {
    for (;;) {
      const out = queue.shift();
      if (out !== undefined) {
        const wake = wakeProducer;
        wakeProducer = undefined;
        wake?.();
        const end = position + out.length;
        if (end > offset) yield* slices(position >= offset ? out : out.subarray(offset - position));
        position = end;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => {
        wakeConsumer = resolve;
      });
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    await producing;
  }
}
