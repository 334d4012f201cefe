// `client.transfers`: the by-id API (pause / resume / cancel a transfer by message id).
// Active transfers are held whole; an ended one is replaced by a small summary (id, kind, final
// state, progress, error code) so its result (possibly megabytes of plaintext) is not retained,
// while acting on it still says "ended with state X".

import { TransferStateError } from '../errors.js';
import {
  generateTransferId,
  type Transfer,
  type TransferImpl,
  type TransferKind,
  type TransferProgressEvent,
  type TransferState,
} from './transfer.js';

/** Summaries of ended transfers kept (each is a few hundred bytes: bounded memory). */
const ENDED_KEPT = 10_000;

/** What is kept of a transfer that ended: no result, no listeners, no error object. */
export interface EndedTransfer {
  /** The transfer's id. */
  readonly id: string;
  /** Upload or download. */
  readonly kind: TransferKind;
  /** How it ended. */
  readonly state: 'succeeded' | 'failed' | 'cancelled';
  /** The last progress reported. */
  readonly progress: TransferProgressEvent;
  /** The failure's `code` (e.g. `media-not-found`, `cancelled`), when it had one. */
  readonly errorCode: string | undefined;
  /**
   * Always rejects: the transfer has ended.
   * @throws {TransferStateError} `transfer-ended` with the final `state`.
   */
  pause(): Promise<void>;
  /** @throws {TransferStateError} `transfer-ended` with the final `state`. */
  resume(): Promise<void>;
  /** @throws {TransferStateError} `transfer-ended` with the final `state`. */
  cancel(): Promise<void>;
}

/**
 * Every transfer of one client, by id: `client.transfers`.
 *
 * @example
 * ```ts
 * client.upload(bytes, 'image', { id: msgId });
 * await client.transfers.pause(msgId);
 * await client.transfers.resume(msgId);
 * ```
 */
export interface TransferRegistry {
  /** The active transfer with this id, the summary of an ended one, or `undefined`. */
  get(id: string): Transfer<unknown> | EndedTransfer | undefined;
  /** Every known transfer (active ones, then summaries of ended ones), oldest first. */
  list(): (Transfer<unknown> | EndedTransfer)[];
  /**
   * @throws {TransferStateError} `unknown-transfer`, or `transfer-ended` with the final `state`.
   */
  pause(id: string): Promise<void>;
  /**
   * @throws {TransferStateError} `unknown-transfer`, or `transfer-ended` with the final `state`.
   */
  resume(id: string): Promise<void>;
  /**
   * @throws {TransferStateError} `unknown-transfer`, or `transfer-ended` with the final `state`.
   */
  cancel(id: string): Promise<void>;
}

class EndedTransferImpl implements EndedTransfer {
  readonly id: string;
  readonly kind: TransferKind;
  readonly state: 'succeeded' | 'failed' | 'cancelled';
  readonly progress: TransferProgressEvent;
  readonly errorCode: string | undefined;

  constructor(transfer: TransferImpl<unknown>, state: TransferState, error: unknown) {
    this.id = transfer.id;
    this.kind = transfer.kind;
    this.state = state as EndedTransfer['state'];
    this.progress = transfer.progress;
    const code = (error as { code?: unknown } | undefined)?.code;
    this.errorCode = typeof code === 'string' ? code : undefined;
  }

  pause(): Promise<void> {
    return this.#ended();
  }

  resume(): Promise<void> {
    return this.#ended();
  }

  cancel(): Promise<void> {
    return this.#ended();
  }

  #ended(): Promise<void> {
    return Promise.reject(new TransferStateError('transfer-ended', this.id, { state: this.state }));
  }
}

/** The client's registry implementation. */
export class TransferRegistryImpl implements TransferRegistry {
  readonly #active = new Map<string, TransferImpl<unknown>>();
  readonly #ended = new Map<string, EndedTransferImpl>();
  /** Ended (cancelled) transfers whose operation has not returned yet: their ids stay reserved. */
  readonly #unwinding = new Map<string, TransferImpl<unknown>>();

  /**
   * Reserves `id` (or a generated one) for a new transfer.
   * @throws {TransferStateError} `duplicate-transfer` when an active transfer has that id;
   *   `transfer-id-in-use` when an ended one with that id is still unwinding (e.g. cancelled
   *   while its operation was stuck in caller code: not returned, temp files not removed yet).
   */
  claimId(id: string | undefined, kind: TransferKind): string {
    if (id === undefined) return generateTransferId(kind);
    const existing = this.#active.get(id);
    if (existing !== undefined && !existing.ended)
      throw new TransferStateError('duplicate-transfer', id);
    if (existing !== undefined || this.#unwinding.has(id))
      throw new TransferStateError('transfer-id-in-use', id);
    return id;
  }

  add<T>(transfer: TransferImpl<T>): void {
    const active = transfer as TransferImpl<unknown>;
    this.#ended.delete(active.id);
    this.#active.set(active.id, active);
    active.onSettled((state, error) => {
      // Only if this transfer still owns the id (an ended id may be reused).
      if (this.#active.get(active.id) !== active) return;
      this.#active.delete(active.id);
      if (!active.unwound) {
        this.#unwinding.set(active.id, active);
        active.onUnwound(() => {
          if (this.#unwinding.get(active.id) === active) this.#unwinding.delete(active.id);
        });
      }
      this.#ended.set(active.id, new EndedTransferImpl(active, state, error));
      if (this.#ended.size > ENDED_KEPT) {
        const oldest = this.#ended.keys().next().value;
        if (oldest !== undefined) this.#ended.delete(oldest);
      }
    });
  }

  get(id: string): Transfer<unknown> | EndedTransfer | undefined {
    return this.#active.get(id) ?? this.#ended.get(id);
  }

  list(): (Transfer<unknown> | EndedTransfer)[] {
    return [...this.#active.values(), ...this.#ended.values()];
  }

  async pause(id: string): Promise<void> {
    return this.#find(id).pause();
  }

  async resume(id: string): Promise<void> {
    return this.#find(id).resume();
  }

  async cancel(id: string): Promise<void> {
    return this.#find(id).cancel();
  }

  #find(id: string): Transfer<unknown> | EndedTransfer {
    const transfer = this.get(id);
    if (transfer === undefined) throw new TransferStateError('unknown-transfer', id);
    return transfer;
  }
}
