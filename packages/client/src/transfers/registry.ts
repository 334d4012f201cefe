import { TransferStateError } from '../errors.js';
import {
  generateTransferId,
  type Transfer,
  type TransferImpl,
  type TransferKind,
} from './transfer.js';

/** Ended transfers kept so that acting on them says "ended" rather than "unknown". */
const ENDED_KEPT = 1000;

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
  /** The transfer with this id (active or recently ended), or `undefined`. */
  get(id: string): Transfer<unknown> | undefined;
  /** Every known transfer, oldest first. */
  list(): Transfer<unknown>[];
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

/** The client's registry implementation. */
export class TransferRegistryImpl implements TransferRegistry {
  readonly #transfers = new Map<string, TransferImpl<unknown>>();

  /**
   * Reserves `id` (or a generated one) for a new transfer.
   * @throws {TransferStateError} `duplicate-transfer` when an active transfer has that id.
   */
  claimId(id: string | undefined, kind: TransferKind): string {
    if (id === undefined) return generateTransferId(kind);
    const existing = this.#transfers.get(id);
    if (existing !== undefined && !existing.ended)
      throw new TransferStateError('duplicate-transfer', id);
    return id;
  }

  add<T>(transfer: TransferImpl<T>): void {
    this.#transfers.delete(transfer.id);
    this.#transfers.set(transfer.id, transfer as TransferImpl<unknown>);
    if (this.#transfers.size > ENDED_KEPT) this.#prune();
  }

  get(id: string): Transfer<unknown> | undefined {
    return this.#transfers.get(id);
  }

  list(): Transfer<unknown>[] {
    return [...this.#transfers.values()];
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

  #find(id: string): TransferImpl<unknown> {
    const transfer = this.#transfers.get(id);
    if (transfer === undefined) throw new TransferStateError('unknown-transfer', id);
    return transfer;
  }

  #prune(): void {
    for (const [id, transfer] of this.#transfers) {
      if (this.#transfers.size <= ENDED_KEPT) return;
      if (transfer.ended) this.#transfers.delete(id);
    }
  }
}
