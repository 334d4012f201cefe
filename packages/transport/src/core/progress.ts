// Progress reports of either direction of a transfer.

import type { TransferProgress } from '../types.js';

/** `transferred` of `total` bytes (`null`: unknown); an empty transfer is complete. */
export function progressOf(transferred: number, total: number | null): TransferProgress {
  return {
    transferredBytes: transferred,
    totalBytes: total,
    percent: total === null ? null : total === 0 ? 1 : transferred / total,
  };
}
