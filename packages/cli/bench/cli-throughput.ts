// What the command adds on top of the work: `wa-media encrypt` and `decrypt` of a file, run
// in-process through runCli, beside a bare streamed file copy of the same bytes measured in the
// same process (the baseline: read + write, no crypto). Prints medians and ratios.
// BENCH_MB (default 64) and BENCH_RUNS (default 5) shrink or grow it.
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { runCli } from '../src/index.js';

const mib = Number(process.env.BENCH_MB ?? 64);
const runs = Number(process.env.BENCH_RUNS ?? 5);
const dir = await mkdtemp(join(tmpdir(), 'wa-media-cli-bench-'));
const input = join(dir, 'input.bin');
const size = mib * 1024 * 1024;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const silent = (): Writable => new Writable({ write: (_chunk, _encoding, done) => done() });

async function time(task: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await task();
  return performance.now() - started;
}

try {
  // Written in 1 MiB pieces so the bench itself stays in constant memory.
  for (let offset = 0; offset < size; offset += 1024 * 1024) {
    await writeFile(input, randomBytes(Math.min(1024 * 1024, size - offset)), {
      flag: offset === 0 ? 'w' : 'a',
    });
  }
  const key = randomBytes(32).toString('base64');
  const results: Record<string, number[]> = {
    'file copy (baseline)': [],
    'wa-media encrypt': [],
    'wa-media decrypt': [],
  };
  for (let run = 0; run < runs; run++) {
    results['file copy (baseline)']!.push(
      await time(() =>
        pipeline(
          createReadStream(input),
          new PassThrough(),
          createWriteStream(join(dir, 'copy.bin')),
        ),
      ),
    );
    const io = { stdout: silent(), stderr: silent() };
    results['wa-media encrypt']!.push(
      await time(async () => {
        const code = await runCli(
          [
            'encrypt',
            '--type',
            'video',
            '--media-key',
            key,
            '--quiet',
            input,
            join(dir, 'enc.bin'),
          ],
          io,
        );
        if (code !== 0) throw new Error(`encrypt exited ${code}`);
      }),
    );
    results['wa-media decrypt']!.push(
      await time(async () => {
        const code = await runCli(
          [
            'decrypt',
            '--type',
            'video',
            '--media-key',
            key,
            '--quiet',
            join(dir, 'enc.bin'),
            join(dir, 'dec.bin'),
          ],
          io,
        );
        if (code !== 0) throw new Error(`decrypt exited ${code}`);
      }),
    );
  }
  const baseline = median(results['file copy (baseline)']!);
  console.log(`wa-media cli bench: ${mib} MiB, ${runs} runs, medians`);
  for (const [name, times] of Object.entries(results)) {
    const ms = median(times);
    console.log(
      `  ${name.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms  ${(mib / (ms / 1000)).toFixed(0).padStart(5)} MiB/s  ${(baseline / ms).toFixed(2)}× baseline speed`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
