// The two ways of reading a node-adapter response body, head to head in one process:
// `response.chunks()` (the fast path) against `response.body.getReader()`. Same client, same
// server, alternating order, so the difference is only the read path. Complements
// throughput.ts, whose cross-process ratios to bare node:http are noisier than this gap.
//   pnpm --filter @wa-media/transport exec tsx bench/read-paths.ts   (BENCH_MB, BENCH_RUNS)

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createNodeHttpClient } from '../src/node.js';
import { downloadViaChunks, downloadViaReader } from './read-body.js';

const MiB = 1024 * 1024;
const sizeMb = Number(process.env.BENCH_MB ?? '256');
const rounds = Math.max(3, Number(process.env.BENCH_RUNS ?? '5') * 2);
const size = Math.round(sizeMb * MiB);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const server = fork(fileURLToPath(new URL('./server.mjs', import.meta.url)), { stdio: 'inherit' });
const port = await new Promise<number>((resolve) =>
  server.once('message', (message) => resolve((message as { port: number }).port)),
);
const client = createNodeHttpClient();
const url = `http://127.0.0.1:${port}/bytes?size=${size}`;
const paths = { 'chunks()': downloadViaChunks, 'body.getReader()': downloadViaReader } as const;
type PathName = keyof typeof paths;
const wall: Record<PathName, number[]> = { 'chunks()': [], 'body.getReader()': [] };
const cpu: Record<PathName, number[]> = { 'chunks()': [], 'body.getReader()': [] };
const names = Object.keys(paths) as PathName[];
// Two untimed warm-up rounds, then alternate which path goes first.
for (let round = -2; round < rounds; round++) {
  for (const name of round % 2 === 0 ? names : [...names].reverse()) {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const moved = await paths[name](client, url);
    const ms = performance.now() - start;
    const used = process.cpuUsage(cpuStart);
    if (moved !== size) throw new Error(`${name} moved ${moved} of ${size} bytes`);
    if (round < 0) continue;
    wall[name].push(ms);
    cpu[name].push((used.user + used.system) / 1000);
  }
}
client.close();
server.disconnect();

console.log(`\nnode adapter read paths, ${sizeMb} MiB × ${rounds} rounds in one process (median)`);
const baseWall = median(wall['body.getReader()']);
const baseCpu = median(cpu['body.getReader()']);
for (const name of names) {
  const ms = median(wall[name]);
  const cpuMs = median(cpu[name]);
  console.log(
    `  ${name.padEnd(17)} ${ms.toFixed(1).padStart(7)} ms  ${(baseWall / ms).toFixed(2)}× getReader  CPU ${cpuMs.toFixed(0).padStart(4)} ms (${(baseCpu / cpuMs).toFixed(2)}×)`,
  );
}
