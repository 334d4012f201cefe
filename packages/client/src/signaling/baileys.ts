// Adapts a Baileys socket (only its public surface) to MediaSignaling. Baileys emits every
// decoded incoming node on `sock.ws` as 'frame' (and as 'CB:<tag>,…' variants); we listen to
// 'frame' so any matcher works, and to `connection.update` / ws 'close' for disconnects.

import type { BinaryNode, BinaryNodeMatcher, SignalingWaitOptions } from '@wa-media/protocol';
import { SignalingTimeoutError } from '../errors.js';
import { withAbort } from '../internal/abort.js';
import type { DisconnectAwareSignaling } from './signaling.js';

/** The parts of a Baileys socket (`makeWASocket(...)`) this adapter uses. */
export interface BaileysSocketLike {
  /** Sends an IQ and resolves with the reply (Baileys rejects on an error IQ; `undefined` on timeout). */
  query(node: BinaryNode, timeoutMs?: number): Promise<BinaryNode | undefined>;
  /** Sends a stanza without waiting for an answer (receipts). */
  sendNode(node: BinaryNode): Promise<void>;
  /** The socket's WebSocket wrapper, an EventEmitter. */
  ws: {
    /** Adds a listener (`frame` for every decoded incoming node, `close`). */
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    /** Removes a listener added with `on`. */
    off(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  /** Baileys' event emitter (`connection.update` reports closes). */
  ev?: {
    /** Adds a listener. */
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    /** Removes a listener added with `on`. */
    off(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  /** The logged-in account; `id` is the own JID (with device). */
  user?:
    | {
        /** The own JID, e.g. `15550001111:2@s.whatsapp.net`. */
        id?: string;
      }
    | undefined;
}

/** Options of {@link fromBaileysSocket}. */
export interface BaileysSignalingOptions {
  /** Default timeout of `query` and `waitFor`. @default 30_000 */
  timeoutMs?: number;
}

/** A Baileys-backed signalling that can be detached. */
export interface BaileysSignaling extends DisconnectAwareSignaling {
  onDisconnect(listener: () => void): () => void;
  /** Removes every listener this adapter added to the socket. */
  close(): void;
}

export { SignalingTimeoutError } from '../errors.js';

/**
 * A `MediaSignaling` over a Baileys socket's public API. Creating it never throws; its `query`
 * and `waitFor` reject with {@link SignalingTimeoutError} (a `MediaClientError`, code
 * `signaling-timeout`) when nothing arrives in time, and with the socket's own error otherwise.
 *
 * @throws {SignalingTimeoutError} (from `query` / `waitFor`) on timeout.
 * @example
 * ```ts
 * const sock = makeWASocket({ auth });
 * const client = createMediaClient({ signaling: fromBaileysSocket(sock) });
 * ```
 */
export function fromBaileysSocket(
  sock: BaileysSocketLike,
  options: BaileysSignalingOptions = {},
): BaileysSignaling {
  const defaultTimeout = options.timeoutMs ?? 30_000;
  const waiters = new Set<(node: BinaryNode) => void>();
  const disconnectListeners = new Set<() => void>();

  const onFrame = (frame: unknown): void => {
    if (frame instanceof Uint8Array || typeof frame !== 'object' || frame === null) return;
    for (const waiter of [...waiters]) waiter(frame as BinaryNode);
  };
  const notifyDisconnect = (): void => {
    for (const listener of [...disconnectListeners]) listener();
  };
  const onConnectionUpdate = (update: unknown): void => {
    if ((update as { connection?: unknown } | undefined)?.connection === 'close')
      notifyDisconnect();
  };
  sock.ws.on('frame', onFrame);
  sock.ws.on('close', notifyDisconnect);
  sock.ev?.on('connection.update', onConnectionUpdate);

  return {
    async query(node: BinaryNode, waitOptions: SignalingWaitOptions = {}): Promise<BinaryNode> {
      const timeoutMs = waitOptions.timeoutMs ?? defaultTimeout;
      const reply = await withAbort(sock.query(node, timeoutMs), waitOptions.signal);
      if (reply === undefined) throw new SignalingTimeoutError(`No reply within ${timeoutMs} ms`);
      return reply;
    },
    async send(node: BinaryNode): Promise<void> {
      await sock.sendNode(node);
    },
    waitFor(match: BinaryNodeMatcher, waitOptions: SignalingWaitOptions = {}): Promise<BinaryNode> {
      const timeoutMs = waitOptions.timeoutMs ?? defaultTimeout;
      const signal = waitOptions.signal;
      // Registered synchronously: call waitFor before send.
      let cleanup = (): void => {};
      const promise = new Promise<BinaryNode>((resolve, reject) => {
        const waiter = (node: BinaryNode): void => {
          let matched = false;
          try {
            matched = match(node);
          } catch {
            matched = false;
          }
          if (!matched) return;
          cleanup();
          resolve(node);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new SignalingTimeoutError(`No matching node within ${timeoutMs} ms`));
        }, timeoutMs);
        const onAbort = (): void => {
          cleanup();
          reject(signal?.reason);
        };
        cleanup = () => {
          waiters.delete(waiter);
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        };
        if (signal?.aborted) {
          onAbort();
          return;
        }
        waiters.add(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      return promise;
    },
    ownJid(): string | undefined {
      const id = sock.user?.id;
      return typeof id === 'string' && id !== '' ? id : undefined;
    },
    onDisconnect(listener: () => void): () => void {
      disconnectListeners.add(listener);
      return () => disconnectListeners.delete(listener);
    },
    close(): void {
      sock.ws.off('frame', onFrame);
      sock.ws.off('close', notifyDisconnect);
      sock.ev?.off('connection.update', onConnectionUpdate);
      waiters.clear();
      disconnectListeners.clear();
    },
  };
}
