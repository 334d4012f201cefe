import {
  type BinaryNode,
  type BinaryNodeMatcher,
  type MediaSignaling,
  parseJid,
  type SignalingWaitOptions,
} from '@wa-media/protocol';
import { EmulatorError } from '../errors.js';
import type { SignalingPeer, SignalingSession } from './peer.js';
import { DEFAULT_QUERY_TIMEOUT_MS, guarded, NodeWaiters } from './waiters.js';

/** A `MediaSignaling` connected to the emulator, with a `close()`. */
export interface EmulatorSignaling extends MediaSignaling {
  /** Detaches this connection; pending calls reject with `EmulatorError('closed')`. */
  close(): void;
}

/** Options of `emulator.signaling()` and `connectEmulatorSignaling()`. */
export interface EmulatorSignalingOptions {
  /**
   * The logged-in account's JID (with device), e.g. `'15550001111:2@s.whatsapp.net'`.
   * Leave it out to emulate a connection that is not logged in.
   */
  ownJid?: string;
}

/** The in-process signalling connection (no I/O). */
export class InProcessSignaling implements EmulatorSignaling, SignalingSession {
  readonly #peer: SignalingPeer;
  readonly #ownJid: string | undefined;
  readonly #waiters = new NodeWaiters();
  readonly #pending = new Set<(error: EmulatorError) => void>();
  readonly #onClose: (self: InProcessSignaling) => void;
  #closed = false;

  constructor(
    peer: SignalingPeer,
    ownJid: string | undefined,
    onClose: (self: InProcessSignaling) => void,
  ) {
    this.#peer = peer;
    this.#ownJid = ownJid;
    this.#onClose = onClose;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get jid(): string | undefined {
    return this.#ownJid;
  }

  ownJid(): string | undefined {
    return this.#ownJid;
  }

  /**
   * @throws {EmulatorError} `timeout` when no reply came in time (default 20 s), `closed` after
   * `close()`; rejects with the signal's reason on abort.
   */
  query(node: BinaryNode, options?: SignalingWaitOptions): Promise<BinaryNode> {
    return guarded<BinaryNode>('query', options, DEFAULT_QUERY_TIMEOUT_MS, (resolve, reject) => {
      if (this.#closed) {
        reject(this.#closedError());
        return () => {};
      }
      this.#pending.add(reject);
      // Copy: the caller may reuse its node object.
      this.#peer.query(structuredClone(node))?.then((reply) => resolve(structuredClone(reply)));
      return () => this.#pending.delete(reject);
    });
  }

  /** @throws {EmulatorError} `closed` after `close()`. */
  async send(node: BinaryNode): Promise<void> {
    if (this.#closed) throw this.#closedError();
    this.#peer.send(structuredClone(node), this);
  }

  /**
   * @throws {EmulatorError} `timeout` (default 30 s), `closed`; rejects with the signal's reason
   * on abort.
   */
  waitFor(match: BinaryNodeMatcher, options?: SignalingWaitOptions): Promise<BinaryNode> {
    return this.#waiters.waitFor(match, options, () =>
      this.#closed ? this.#closedError() : undefined,
    );
  }

  deliver(node: BinaryNode): void {
    this.#waiters.dispatch(structuredClone(node));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const error = this.#closedError();
    this.#waiters.rejectAll(error);
    for (const reject of [...this.#pending]) reject(error);
    this.#onClose(this);
  }

  #closedError(): EmulatorError {
    return new EmulatorError('closed', 'the emulator signalling connection is closed');
  }
}

/**
 * Checks that `ownJid` names an account (user@server).
 * @throws {EmulatorError} `bad-option` otherwise.
 */
export function checkOwnJid(ownJid: unknown): string | undefined {
  if (ownJid === undefined) return undefined;
  let user = '';
  try {
    if (typeof ownJid === 'string') user = parseJid(ownJid).user;
  } catch (error) {
    throw new EmulatorError(
      'bad-option',
      'ownJid must be a JID like 15550001111:2@s.whatsapp.net',
      {
        cause: error,
      },
    );
  }
  if (user === '') {
    throw new EmulatorError('bad-option', 'ownJid must be a JID like 15550001111:2@s.whatsapp.net');
  }
  return ownJid as string;
}
