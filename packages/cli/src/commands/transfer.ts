import type { Transfer } from '@wa-media/client';
import type { CommandContext } from '../command.js';

/**
 * Awaits a client transfer with a progress bar; SIGINT / SIGTERM cancel it (the client then
 * frees its sockets and temp files and the transfer rejects with TransferCancelledError).
 */
export async function awaitTransfer<T>(
  context: CommandContext,
  label: string,
  transfer: Transfer<T>,
): Promise<T> {
  const progress = context.out.progress(label);
  let waiting = false;
  const unsubscribe = transfer.on('progress', ({ bytesDone, totalBytes }) => {
    progress.update(bytesDone, totalBytes);
    // An upload's last byte is sent: the CDN now hashes and stores it before it answers.
    const sent = totalBytes !== null && bytesDone >= totalBytes;
    if (label === 'upload' && sent && !waiting) progress.waiting('waiting for the server');
    waiting = sent;
  });
  const onAbort = (): void => {
    transfer.cancel().catch(() => {
      // Already ended: nothing to cancel.
    });
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  if (context.signal.aborted) onAbort();
  try {
    return await transfer;
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    unsubscribe();
    progress.finish();
  }
}
