// SHA-256 on a worker thread, for the node backend's `sha256InWorker` (internal).
//
// Why: hashing the plaintext is independent of the cipher and the MAC, so on a machine with a
// spare core it can run beside them. How: one worker per process owns every offloaded hash
// state; the calling thread copies each update into a fixed ring of shared memory (one memcpy,
// no structured clone, no transfer of the caller's buffer) and goes on. Memory is bounded by
// the ring: when the worker falls behind, the caller blocks until there is room (backpressure).
// `digest()` waits for the worker to catch up, so the API stays synchronous like node:crypto.
import { Worker } from 'node:worker_threads';
import { HashWorkerError } from '../errors.js';
import type { Sha256State } from './types.js';

/** Ring size: a power of two, so wrapping counters map to positions with a mask. */
const RING_BYTES = 4 * 1024 * 1024;
/** Records are 16-byte aligned: a header always fits before the end of the ring. */
const HEADER = 16;
/**
 * Wake the worker once this many bytes are waiting, not on every update: a wake-up is a
 * syscall here and a context switch there, and the worker hashes a batch faster than we fill
 * it. Anything that waits for the worker (a full ring, a digest) wakes it first. And only
 * when it sleeps (each side says so in a control word): a notify that finds a sleeper costs a
 * futex wake and, on a busy machine, often the rest of the waker's time slice — profiled at a
 * tenth of the main thread's time when it was sent on every batch.
 */
const WAKE_BATCH = 1024 * 1024;
/** Longest time to wait for the worker before declaring it dead. */
const WAIT_TIMEOUT_MS = 60_000;

// Control words (Int32Array indices).
const WRITE = 0; // bytes published by the caller (wrapping)
const READ = 1; // bytes the worker is done with (wrapping)
const FAILED = 2; // set by the worker when it hit an error
const WORKER_SLEEPS = 3; // 1 while the worker waits (or is about to) for WRITE to move
const CALLER_SLEEPS = 4; // 1 while the caller waits (or is about to) for READ to move

// Record kinds. A record is a 16-byte header (kind, hash id, argument) and, for updates, the
// bytes (argument = their length) padded to 16.
const UPDATE = 1;
const CLONE = 2; // argument: the new hash id
const DIGEST = 3; // the worker writes the digest to the reply area
const FREE = 4;
const PAD = 5; // skip to the start of the ring
const UPDATE_BOTH = 6; // like UPDATE, for two states (the second id is the 4th header word)

// Runs as a CommonJS script in the worker (eval), so it needs no file next to the built code.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const ctrl = new Int32Array(workerData.control);
const ring = Buffer.from(workerData.ring);
const header = new Int32Array(workerData.ring);
const reply = Buffer.from(workerData.reply);
const mask = ring.length - 1;
const hashes = new Map();
let read = 0;
try {
  for (;;) {
    if (Atomics.load(ctrl, ${WRITE}) === read) {
      // Say so before the last look: the caller publishes, then looks at this word (both
      // sequentially consistent), so either we see its bytes or it sees us asleep and wakes us.
      Atomics.store(ctrl, ${WORKER_SLEEPS}, 1);
      Atomics.wait(ctrl, ${WRITE}, read);
      Atomics.store(ctrl, ${WORKER_SLEEPS}, 0);
      continue;
    }
    const at = read & mask;
    const op = header[at >> 2], id = header[(at >> 2) + 1], arg = header[(at >> 2) + 2];
    let size = ${HEADER};
    if (op === ${UPDATE}) {
      let hash = hashes.get(id);
      if (hash === undefined) hashes.set(id, (hash = createHash('sha256')));
      hash.update(ring.subarray(at + ${HEADER}, at + ${HEADER} + arg));
      size += (arg + 15) & ~15;
    } else if (op === ${UPDATE_BOTH}) {
      const bytes = ring.subarray(at + ${HEADER}, at + ${HEADER} + arg);
      for (const which of [id, header[(at >> 2) + 3]]) {
        let hash = hashes.get(which);
        if (hash === undefined) hashes.set(which, (hash = createHash('sha256')));
        hash.update(bytes);
      }
      size += (arg + 15) & ~15;
    } else if (op === ${CLONE}) {
      hashes.set(arg, (hashes.get(id) ?? createHash('sha256')).copy());
    } else if (op === ${DIGEST}) {
      reply.set((hashes.get(id) ?? createHash('sha256')).digest());
      hashes.delete(id);
    } else if (op === ${FREE}) {
      hashes.delete(id);
    } else if (op === ${PAD}) {
      size = ring.length - at;
    } else {
      throw new Error('bad record ' + op);
    }
    read = (read + size) | 0;
    Atomics.store(ctrl, ${READ}, read);
    if (Atomics.load(ctrl, ${CALLER_SLEEPS}) !== 0) Atomics.notify(ctrl, ${READ});
  }
} catch (error) {
  Atomics.store(ctrl, ${FAILED}, 1);
  Atomics.notify(ctrl, ${READ});
  throw error;
}
`;

interface Channel {
  readonly control: Int32Array;
  readonly ring: Uint8Array;
  readonly header: Int32Array;
  readonly reply: Uint8Array;
  readonly worker: Worker;
  /** Our copy of control[WRITE]. */
  write: number;
  /** Bytes published since the worker was last woken. */
  unsignalled: number;
  nextId: number;
}

// Started on first use, so importing the backend never starts a thread.
let channel: Channel | undefined;

function open(): Channel {
  if (channel !== undefined) return channel;
  const control = new SharedArrayBuffer(32);
  const ring = new SharedArrayBuffer(RING_BYTES);
  const reply = new SharedArrayBuffer(32);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { control, ring, reply },
    // The worker only hashes: a small heap is plenty.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  // Never keep the process alive for it; a crash shows up as FAILED in the control words.
  worker.unref();
  const controlWords = new Int32Array(control);
  worker.on('error', () => {});
  // A thread that ends without reporting (terminated, out of memory) counts as failed too.
  worker.on('exit', () => {
    Atomics.store(controlWords, FAILED, 1);
    Atomics.notify(controlWords, READ);
  });
  channel = {
    worker,
    control: controlWords,
    ring: new Uint8Array(ring),
    header: new Int32Array(ring),
    reply: new Uint8Array(reply),
    write: 0,
    unsignalled: 0,
    nextId: 1,
  };
  return channel;
}

function assertAlive(ch: Channel): void {
  if (Atomics.load(ch.control, FAILED) !== 0) {
    // Later calls start a new worker; states held by the dead one are lost.
    if (channel === ch) channel = undefined;
    throw new HashWorkerError('failed');
  }
}

function wake(ch: Channel): void {
  if (ch.unsignalled === 0) return;
  ch.unsignalled = 0;
  if (Atomics.load(ch.control, WORKER_SLEEPS) !== 0) Atomics.notify(ch.control, WRITE);
}

/** Block until the worker has released `bytes` of ring space (or everything, with RING_BYTES). */
function waitForRoom(ch: Channel, bytes: number): void {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    assertAlive(ch);
    const read = Atomics.load(ch.control, READ);
    if (RING_BYTES - ((ch.write - read) | 0) >= bytes) return;
    wake(ch);
    if (Date.now() > deadline) {
      // Give up on this thread: later calls start a new one.
      if (channel === ch) channel = undefined;
      Atomics.store(ch.control, FAILED, 1);
      void ch.worker.terminate();
      throw new HashWorkerError('stopped-responding');
    }
    // Same handshake as the worker's: announce, then wait only if READ has not moved since.
    Atomics.store(ch.control, CALLER_SLEEPS, 1);
    Atomics.wait(ch.control, READ, read, 100);
    Atomics.store(ch.control, CALLER_SLEEPS, 0);
  }
}

/** Write one record (header, then `data` for updates) and publish it. */
function put(
  ch: Channel,
  op: number,
  id: number,
  arg: number,
  data?: Uint8Array,
  second = 0,
): void {
  const size = HEADER + (data === undefined ? 0 : (data.length + 15) & ~15);
  let at = ch.write & (RING_BYTES - 1);
  if (RING_BYTES - at < size) {
    // No room before the end of the ring: pad to its start.
    waitForRoom(ch, RING_BYTES - at);
    ch.header[at >> 2] = PAD;
    ch.write = (ch.write + RING_BYTES - at) | 0;
    ch.unsignalled += RING_BYTES - at;
    at = 0;
  }
  waitForRoom(ch, size);
  const word = at >> 2;
  ch.header[word] = op;
  ch.header[word + 1] = id;
  ch.header[word + 2] = data === undefined ? arg : data.length;
  ch.header[word + 3] = second;
  if (data !== undefined) ch.ring.set(data, at + HEADER);
  ch.write = (ch.write + size) | 0;
  Atomics.store(ch.control, WRITE, ch.write);
  ch.unsignalled += size;
  if (ch.unsignalled >= WAKE_BATCH) wake(ch);
}

/** The largest update record that fits in the ring with its header. */
const MAX_PIECE = RING_BYTES / 4;

// Hash states dropped without a digest (an abandoned download) are freed in the worker too.
const registry = new FinalizationRegistry<{ ch: Channel; id: number }>(({ ch, id }) => {
  if (channel !== ch || Atomics.load(ch.control, FAILED) !== 0) return;
  try {
    put(ch, FREE, id, 0);
  } catch {
    // The thread died meanwhile: its states are gone anyway.
  }
});

class WorkerSha256 implements Sha256State {
  readonly #ch: Channel;
  readonly #id: number;
  #done = false;

  constructor(ch: Channel, id: number) {
    this.#ch = ch;
    this.#id = id;
    registry.register(this, { ch, id }, this);
  }

  update(data: Uint8Array): void {
    this.#assertUsable();
    for (let offset = 0; offset < data.length; offset += MAX_PIECE) {
      const piece = data.subarray(offset, offset + MAX_PIECE);
      put(this.#ch, UPDATE, this.#id, 0, piece);
    }
  }

  /** `update(data)` on this state and on `other`, with one copy into the ring. */
  updateBoth(other: WorkerSha256, data: Uint8Array): void {
    this.#assertUsable();
    other.#assertUsable();
    if (other.#ch !== this.#ch) throw new Error('SHA-256 states of different worker threads');
    for (let offset = 0; offset < data.length; offset += MAX_PIECE) {
      const piece = data.subarray(offset, offset + MAX_PIECE);
      put(this.#ch, UPDATE_BOTH, this.#id, 0, piece, other.#id);
    }
  }

  digest(): Uint8Array {
    this.#assertUsable();
    this.#done = true;
    registry.unregister(this);
    const ch = this.#ch;
    put(ch, DIGEST, this.#id, 0);
    // Everything up to and including the digest record processed: the reply is ours.
    waitForRoom(ch, RING_BYTES);
    return ch.reply.slice();
  }

  clone(): Sha256State {
    this.#assertUsable();
    const ch = this.#ch;
    const id = ch.nextId++;
    put(ch, CLONE, this.#id, id);
    return new WorkerSha256(ch, id);
  }

  #assertUsable(): void {
    if (this.#done) throw new Error('SHA-256 state used after digest');
    assertAlive(this.#ch);
  }
}

/** A SHA-256 state that hashes on the shared worker thread (started on first use). */
export function workerSha256(): Sha256State {
  const ch = open();
  return new WorkerSha256(ch, ch.nextId++);
}

/**
 * Feed the same bytes to two states from {@link workerSha256} with a single copy into the ring
 * (the MAC and the blob's hash read the same ciphertext). Other states: two plain updates.
 */
export function workerUpdateBoth(a: Sha256State, b: Sha256State, data: Uint8Array): void {
  if (a instanceof WorkerSha256 && b instanceof WorkerSha256) {
    a.updateBoth(b, data);
  } else {
    a.update(data);
    b.update(data);
  }
}

/**
 * Ends the shared hashing thread now, as a crash would (resolves once it has exited): states
 * it held then throw {@link HashWorkerError}; the next new state starts a new thread.
 */
export async function stopHashWorker(): Promise<void> {
  const ch = channel;
  if (ch === undefined) return;
  await new Promise<void>((resolve) => {
    ch.worker.once('exit', () => resolve());
    void ch.worker.terminate();
  });
}
