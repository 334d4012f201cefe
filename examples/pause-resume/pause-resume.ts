// Pause and resume a transfer, as a "pause" button would. Every upload and download is a
// Transfer with an id (use the message id): `client.transfers.pause(id)` stops it and keeps what
// arrived, `resume(id)` continues with a Range request from the last byte (an upload asks the
// CDN how much it kept), and awaiting the transfer gives the verified result.
//
// Against the emulator (`wa-media emulator` prints its control URL and token):
//   WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… pnpm exec tsx pause-resume.ts out.bin
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  buildVideoMessage,
  type Downloadable,
  isTransferStateError,
  type TransferState,
} from '@wa-media/client';
import { createNodeMediaClient } from '@wa-media/client/node';
import { connectEmulatorSignaling } from '@wa-media/emulator';

export interface PauseResumeOptions {
  emulator: { url: string; token: string };
  /** A received message, or its download params. */
  media: Downloadable;
  outPath: string;
  /** Transfer id (the message id): how the app's buttons find the transfer. */
  id: string;
  /** Pause once this share of the blob arrived (0..1). @default 0.5 */
  pauseAt?: number;
  /** How long it stays paused. @default 500 */
  pausedForMs?: number;
}

export interface PauseResumeReport {
  /** Every state the transfer went through, in order. */
  states: TransferState[];
  /** Blob bytes received when the pause took effect. */
  pausedAtBytes: number;
}

export async function main(options: PauseResumeOptions): Promise<PauseResumeReport> {
  const signaling = await connectEmulatorSignaling(options.emulator.url, {
    token: options.emulator.token,
    ownJid: '15550001111:2@s.whatsapp.net',
  });
  const client = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true },
  });
  try {
    const transfer = client.downloadToFile(options.media, options.outPath, { id: options.id });
    const states: TransferState[] = [transfer.state];
    transfer.on('state', ({ state }) => states.push(state));
    let pausedAtBytes = -1;
    const pauseAt = options.pauseAt ?? 0.5;
    const stopWatching = transfer.on('progress', ({ bytesDone, totalBytes }) => {
      if (totalBytes === null || bytesDone < totalBytes * pauseAt) return;
      stopWatching();
      // What a button handler does: act by id, through the registry.
      void (async () => {
        await client.transfers.pause(options.id);
        pausedAtBytes = transfer.progress.bytesDone;
        await sleep(options.pausedForMs ?? 500);
        await client.transfers.resume(options.id);
      })().catch((error: unknown) => {
        // A transfer that ended first (a fast network) cannot be paused: nothing to do.
        if (!isTransferStateError(error)) throw error;
      });
    });
    await transfer;
    return { states, pausedAtBytes };
  } finally {
    client.close();
    signaling.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const url = process.env.WA_MEDIA_EMULATOR_URL;
  const token = process.env.WA_MEDIA_EMULATOR_TOKEN;
  if (url === undefined || !token) {
    console.error(
      'usage: WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… tsx pause-resume.ts [OUT]',
    );
    process.exit(2);
  }
  // Something to download: 64 MiB uploaded first, as a sender would.
  const signaling = await connectEmulatorSignaling(url, {
    token,
    ownJid: '15550003333:1@s.whatsapp.net',
  });
  const sender = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true },
  });
  const media = buildVideoMessage(
    await sender.upload(new Uint8Array(randomBytes(64 << 20)), 'video'),
  );
  sender.close();
  signaling.close();
  const outPath = process.argv[2] ?? 'paused-and-resumed.bin';
  const report = await main({ emulator: { url, token }, media, outPath, id: 'example' });
  console.log(`states: ${report.states.join(' → ')}; paused at ${report.pausedAtBytes} bytes`);
}
