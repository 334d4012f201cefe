// The benchmark's CDN: the emulator in its own process (a real CDN is another machine), so the
// client under test has the other core to itself. Prints its hosts and control endpoint as one
// JSON line, then runs until stdin closes.
import { startEmulator } from '@wa-media/emulator';

const maxUploadBytes = Number(process.env.BENCH_MAX_UPLOAD ?? 300 * 1024 * 1024);
const emulator = await startEmulator({ hosts: 1, media: { maxUploadBytes } });
process.stdout.write(
  `${JSON.stringify({ hostnames: emulator.hostnames, control: emulator.control })}\n`,
);
process.stdin.resume();
process.stdin.on('end', () => {
  void emulator.close().then(() => process.exit(0));
});
