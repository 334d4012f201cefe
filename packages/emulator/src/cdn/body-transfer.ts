// Moving CDN bodies: sending a response body with throttling and injected faults, and receiving
// an upload body bounded in size and idle time.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pacer } from '../faults/pacer.js';
import type { Fault } from '../faults/types.js';
import type { LogDraft } from './request-log.js';

const CHUNK = 256 * 1024;

/** Resolves after `ms`, or as soon as `res` closes (so a closed emulator never waits). */
export function sleepUnlessClosed(ms: number, res: ServerResponse): Promise<void> {
  if (ms <= 0 || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.on('close', done);
  });
}

function waitDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Sends an RST once what was written has left, so the client sees a reset, not a clean end. */
async function resetAfterFlush(res: ServerResponse): Promise<void> {
  await new Promise<void>((resolve) => {
    if (res.destroyed) return resolve();
    res.write('', () => resolve());
  });
  // A short grace period lets the client read the bytes before the reset discards its buffer.
  await sleepUnlessClosed(20, res);
  const socket = res.socket;
  if (socket !== null && !socket.destroyed) socket.resetAndDestroy();
}

/**
 * Delays from the request's own throttle and the global limit. The global limit is read per
 * chunk, so lifting it releases transfers already in flight.
 */
export class Throttle {
  readonly #own: Pacer | undefined;
  readonly #global: () => Pacer | undefined;

  constructor(fault: Fault | undefined, global: () => Pacer | undefined) {
    this.#own = fault?.kind === 'throttle' ? new Pacer(fault.bytesPerSec) : undefined;
    this.#global = global;
  }

  get chunkSize(): number {
    return Math.min(this.#own?.chunkSize() ?? CHUNK, this.#global()?.chunkSize() ?? CHUNK);
  }

  delayFor(bytes: number): number {
    return Math.max(this.#own?.delayFor(bytes) ?? 0, this.#global()?.delayFor(bytes) ?? 0);
  }
}

/**
 * Writes a response body with the body faults applied (reset, truncate, flip, stall, throttle).
 * Headers must be set (with the full Content-Length) but not sent.
 */
export async function sendBody(
  res: ServerResponse,
  body: Uint8Array,
  fault: Fault | undefined,
  throttle: Throttle,
  draft: LogDraft,
): Promise<void> {
  const length = body.length;
  let limit = length;
  if (fault?.kind === 'truncate') {
    limit = Math.min(fault.afterBytes ?? Math.floor(length / 2), Math.max(0, length - 1));
    // Without this the socket would stay open for the next request and the client would hang.
    res.setHeader('Connection', 'close');
  }
  if (fault?.kind === 'reset' && fault.afterBytes !== undefined) {
    limit = Math.min(fault.afterBytes, length);
  }
  const flipAt =
    fault?.kind === 'flip' && length > 0 ? Math.min(fault.offset ?? 0, length - 1) : -1;
  const flipMask = fault?.kind === 'flip' ? (fault.mask ?? 1) : 0;
  let stallAt =
    fault?.kind === 'stall' && fault.afterBytes !== undefined
      ? Math.min(fault.afterBytes, limit)
      : -1;
  const stallMs = fault?.kind === 'stall' ? fault.ms : 0;

  if (limit === 0 || stallAt === 0) res.flushHeaders();
  let sent = 0;
  while (sent < limit && !res.destroyed) {
    if (sent === stallAt) {
      await sleepUnlessClosed(stallMs, res);
      stallAt = -1;
      continue;
    }
    let end = Math.min(sent + throttle.chunkSize, limit);
    if (stallAt > sent) end = Math.min(end, stallAt);
    let piece = body.subarray(sent, end);
    if (flipAt >= sent && flipAt < end) {
      piece = Uint8Array.from(piece);
      piece[flipAt - sent] = (piece[flipAt - sent] ?? 0) ^ flipMask;
    }
    await sleepUnlessClosed(throttle.delayFor(piece.length), res);
    if (res.destroyed) break;
    const flowing = res.write(piece);
    draft.bytesOut += piece.length;
    sent = end;
    if (!flowing) await waitDrain(res);
  }
  if (res.destroyed) return;
  if (stallAt === sent) await sleepUnlessClosed(stallMs, res);
  if (fault?.kind === 'reset') {
    await resetAfterFlush(res);
    return;
  }
  res.end();
}

export interface ReceivedBody {
  readonly chunks: Buffer[];
  readonly length: number;
  /**
   * `complete`: the whole declared body arrived. `cut`: the client's connection ended (or was
   * reset) first. `idle`: the connection stayed open but no byte came for the idle timeout (a
   * body shorter than its Content-Length).
   */
  readonly outcome: 'complete' | 'cut' | 'idle';
}

/**
 * Reads an iterator with an idle limit: `next()` resolves `idle` when no item arrives within
 * `idleMs` of the call. One timer, re-armed per call (a timer per chunk costs on the hot path).
 */
class IdleReader<T> {
  readonly #iterator: AsyncIterator<T>;
  readonly #timer: NodeJS.Timeout;
  #wake: (() => void) | undefined;

  constructor(iterator: AsyncIterator<T>, idleMs: number) {
    this.#iterator = iterator;
    this.#timer = setTimeout(() => this.#wake?.(), idleMs);
  }

  next(): Promise<IteratorResult<T> | 'idle'> {
    this.#timer.refresh();
    const idle = new Promise<'idle'>((resolve) => {
      this.#wake = () => resolve('idle');
    });
    return Promise.race([this.#iterator.next(), idle]).finally(() => {
      // Time the emulator spends on its own (stalls, throttling) must not count as idle.
      this.#wake = undefined;
    });
  }

  close(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * Reads a request body with the body faults applied. A `reset` keeps exactly `afterBytes` bytes
 * and aborts the connection; a `flip` corrupts a byte "in transit". Offsets are clamped into the
 * declared body so an injected fault always lands. Only time spent waiting for the client
 * counts towards `idleMs` (not the emulator's own stalls and throttling).
 */
export async function receiveBody(
  req: IncomingMessage,
  res: ServerResponse,
  fault: Fault | undefined,
  throttle: Throttle,
  draft: LogDraft,
  declaredLength: number,
  idleMs: number,
  /** Sees each kept chunk while it is hot in cache (the upload hashes as it reads). */
  onChunk: (chunk: Buffer) => void,
): Promise<ReceivedBody> {
  const chunks: Buffer[] = [];
  let length = 0;
  const last = Math.max(0, declaredLength - 1);
  const resetAt =
    fault?.kind === 'reset' && fault.afterBytes !== undefined
      ? Math.min(fault.afterBytes, last)
      : undefined;
  const flipAt = fault?.kind === 'flip' ? Math.min(fault.offset ?? 0, last) : -1;
  let stallAt = fault?.kind === 'stall' && fault.afterBytes !== undefined ? fault.afterBytes : -1;
  const reader = new IdleReader(req[Symbol.asyncIterator](), idleMs);
  try {
    for (;;) {
      const next = await reader.next();
      if (next === 'idle') return { chunks, length, outcome: 'idle' };
      if (next.done === true) break;
      let chunk = next.value as Buffer;
      if (resetAt !== undefined && length + chunk.length >= resetAt) {
        chunk = chunk.subarray(0, resetAt - length);
        if (chunk.length > 0) chunks.push(chunk);
        length += chunk.length;
        draft.bytesIn += chunk.length;
        req.socket.resetAndDestroy();
        return { chunks, length, outcome: 'cut' };
      }
      if (flipAt >= length && flipAt < length + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[flipAt - length] =
          (chunk[flipAt - length] ?? 0) ^ (fault?.kind === 'flip' ? (fault.mask ?? 1) : 1);
      }
      chunks.push(chunk);
      onChunk(chunk);
      length += chunk.length;
      draft.bytesIn += chunk.length;
      if (stallAt >= 0 && length >= stallAt) {
        stallAt = -1;
        await sleepUnlessClosed(fault?.kind === 'stall' ? fault.ms : 0, res);
      }
      await sleepUnlessClosed(throttle.delayFor(chunk.length), res);
    }
  } catch {
    return { chunks, length, outcome: 'cut' };
  } finally {
    reader.close();
  }
  return { chunks, length, outcome: req.complete ? 'complete' : 'cut' };
}
