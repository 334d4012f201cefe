import type { BinaryNode } from './binary-node.js';

/** Timeout and cancellation for a signalling call that waits for the server. */
export interface SignalingWaitOptions {
  /** Give up after this many milliseconds (the implementation chooses the default). */
  timeoutMs?: number;
  /** Abort the wait; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Decides whether an incoming node is the one a {@link MediaSignaling.waitFor} call wants. */
export type BinaryNodeMatcher = (node: BinaryNode) => boolean;

/**
 * What the media layer needs from a logged-in WhatsApp connection. A pure type: the client
 * adapts sockets to it (`fromBaileysSocket`), the emulator implements it for tests.
 */
export interface MediaSignaling {
  /** Send an `<iq>` and resolve with the server's reply node (an error IQ resolves too). */
  query(node: BinaryNode, options?: SignalingWaitOptions): Promise<BinaryNode>;
  /** Send a node that expects no direct reply (e.g. a server-error receipt). */
  send(node: BinaryNode): Promise<void>;
  /**
   * Resolve with the first incoming node that `match` accepts. The waiter is registered
   * synchronously, before the promise is returned, so call it *before* `send` to never miss a
   * fast reply.
   */
  waitFor(match: BinaryNodeMatcher, options?: SignalingWaitOptions): Promise<BinaryNode>;
  /** The logged-in account's JID (with device), or `undefined` when not logged in. */
  ownJid(): string | undefined;
}
