// `pnpm demo`: the main job end to end on the BUILT packages, with a short report.
// It runs the built CLI's demo (`wa-media demo`): a crypto round trip (streaming encrypt and
// verified decrypt of a generated video, flipped bytes refused), then upload and verified
// download against a local emulator, pause / resume, injected faults (503 + Retry-After, a reset
// mid-body, a flipped byte on one host → failover), and expiry recovered by media reupload.
// Extra arguments are passed on (`pnpm demo --size 20`). Exit code: the demo's (0 = all passed).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
if (!existsSync(bin)) {
  console.error(`wa-media demo: ${bin} is missing; build first (pnpm build)`);
  process.exit(1);
}

const child = spawn(process.execPath, [bin, 'demo', ...process.argv.slice(2)], {
  stdio: 'inherit',
});
// Ctrl-C reaches the child through the terminal's process group; just wait for its exit.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal === null ? 1 : 7);
});
