// Shared set-up of the client benchmarks (this folder's hash-worker.ts and
// tools/bench/client-vs-baileys.ts; packages never import tools/, so it lives here): a plaintext sample on disk and the CDN (the emulator)
// in its own process, as a real CDN is another machine.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { encryptedLength } from '@wa-media/crypto';

/**
 * CPU seconds (user + system) of a thread or process so far, from its /proc stat file
 * (`/proc/<pid>/stat`, `/proc/self/task/<tid>/stat`); NaN where there is no /proc.
 */
export function cpuSeconds(statPath: string): number {
  try {
    const stat = readFileSync(statPath, 'utf8');
    // After the command name (which may hold spaces): utime and stime are the 12th and 13th
    // fields, in clock ticks (USER_HZ = 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** A temp dir holding `plain.bin`: `size` random bytes written 1 MiB at a time. */
export async function writeSample(
  size: number,
  prefix: string,
): Promise<{ dir: string; plainPath: string }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const plainPath = join(dir, 'plain.bin');
  const block = randomBytes(1024 * 1024);
  const handle = await open(plainPath, 'w');
  for (let written = 0; written < size; written += block.length) {
    await handle.write(block, 0, Math.min(block.length, size - written));
  }
  await handle.close();
  return { dir, plainPath };
}

export interface CdnChild {
  process: ChildProcessByStdio<Writable, Readable, null>;
  hostnames: string[];
  control: { url: string; token: string };
}

/** Starts cdn-child.ts (accepting uploads of a `size`-byte plaintext); `process.stdin.end()` stops it. */
export async function startCdnChild(size: number): Promise<CdnChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./cdn-child.ts', import.meta.url))],
    {
      env: { ...process.env, BENCH_MAX_UPLOAD: String(encryptedLength(size) + 1024) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const info = await new Promise<Omit<CdnChild, 'process'>>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve(JSON.parse(line));
    });
    child.on('exit', () => reject(new Error('the CDN process exited')));
  });
  return { process: child, ...info };
}
