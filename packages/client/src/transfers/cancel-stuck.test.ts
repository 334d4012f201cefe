// Cancel must settle even when the operation waits on the caller's code (a source that never
// yields, a writer that never returns): the awaitable rejects promptly, cleanups run once the
// operation returned, and the id stays reserved until then.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptMedia } from '@wa-media/crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isTransferCancelledError, isTransferStateError } from '../errors.js';
import { tempFileSpool } from '../node.js';
import { type Harness, startHarness, testBytes, until } from '../test-support/harness.js';
import type { Transfer, TransferImpl } from './transfer.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.emulator.reset();
  h.client.mediaConn.invalidate();
});

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How long after `cancel()` the awaitable took to reject, or `'pending'` after 2 s. */
async function settleTime(transfer: Transfer<unknown>): Promise<number | 'pending'> {
  const started = Date.now();
  void transfer.cancel().catch(() => {});
  const outcome = await Promise.race([
    transfer.then(
      () => 'resolved',
      (error: unknown) => (isTransferCancelledError(error) ? 'cancelled' : 'other'),
    ),
    delay(2000).then(() => 'pending' as const),
  ]);
  if (outcome === 'pending') return 'pending';
  expect(outcome).toBe('cancelled');
  return Date.now() - started;
}

function idInUse(id: string): string | undefined {
  try {
    h.client.download({ type: 'image', directPath: '/x', mediaKey: new Uint8Array(32) }, { id });
    void h.client.transfers.cancel(id).catch(() => {});
    return undefined;
  } catch (error) {
    return isTransferStateError(error) ? error.code : 'other';
  }
}

describe('cancel while stuck in caller code', () => {
  it('a one-shot ReadableStream that stalls: rejects at once, the spool file is removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wa-stall-spool-'));
    try {
      let pulls = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          pulls += 1;
          if (pulls <= 2) controller.enqueue(testBytes(100_000, pulls));
          else await new Promise(() => {}); // never
        },
      });
      const transfer = h.client.upload(stream, 'image', {
        id: 'stall-stream',
        spool: tempFileSpool({ directory: dir }),
      });
      // Both chunks consumed and the source asked for a third (which never comes): hashing.
      await until(() => pulls >= 3, 'the source to be read up to its stall');
      expect(readdirSync(dir).length).toBe(1); // the spool file exists while hashing
      const took = await settleTime(transfer);
      expect(took).not.toBe('pending');
      expect(took).toBeLessThan(1000);
      expect(transfer.state).toBe('cancelled');
      await delay(50);
      expect(readdirSync(dir)).toEqual([]);
      expect(h.client.transfers.get('stall-stream')?.state).toBe('cancelled');
      expect(idInUse('stall-stream')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an AsyncIterable that stalls: rejects at once', async () => {
    async function* stalling(): AsyncGenerator<Uint8Array> {
      yield testBytes(100_000, 1);
      await new Promise(() => {});
    }
    const transfer = h.client.upload(stalling(), 'image', { id: 'stall-iterable' });
    await delay(100);
    const took = await settleTime(transfer);
    expect(took).not.toBe('pending');
    expect(took).toBeLessThan(1000);
  });

  it('a writer whose write never resolves: rejects within the grace; cleanup and the id wait for it', async () => {
    const plain = testBytes(400_000, 2);
    const encrypted = encryptMedia(plain, 'image');
    const stored = h.emulator.putMedia(encrypted.data, { mmsType: 'image' });
    let release!: () => void;
    let writes = 0;
    const aborted: unknown[] = [];
    const transfer = h.client.downloadToWriter(
      {
        type: 'image',
        directPath: stored.directPath,
        mediaKey: encrypted.mediaKey,
        fileSha256: encrypted.fileSha256,
        fileEncSha256: encrypted.fileEncSha256,
      },
      {
        write() {
          writes += 1;
          if (writes === 2) return new Promise<void>((resolve) => (release = resolve));
        },
        truncate() {},
        abort(reason) {
          aborted.push(reason);
        },
      },
      { id: 'stuck-writer' },
    );
    await until(() => writes >= 2, 'the second write');
    expect(writes).toBe(2);
    const took = await settleTime(transfer);
    expect(took).not.toBe('pending');
    expect(took).toBeLessThan(1500);
    // Still inside the caller's write: no cleanup yet, and the id cannot be reused.
    expect(aborted).toEqual([]);
    expect(h.client.transfers.get('stuck-writer')?.state).toBe('cancelled');
    expect(idInUse('stuck-writer')).toBe('transfer-id-in-use');
    release();
    // The cleanups run once the write returned; the id is freed after the last of them.
    const unwinding = transfer as unknown as TransferImpl<unknown>;
    await until(() => unwinding.unwound, 'the cleanups after the write returned');
    expect(aborted).toEqual(['cancelled']);
    expect(idInUse('stuck-writer')).toBeUndefined();
  });
});
