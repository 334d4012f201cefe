// A throwaway S3-compatible server for tests: s3rver run as a separate process on loopback
// with its files in a temp dir and one bucket, stoppable and restartable on the same port.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { S3BlobOptions } from '../blobs/s3-location.js';

export interface S3rverProcess {
  readonly endpoint: string;
  readonly bucket: string;
  /** Options that reach this server (path-style, its fixed credentials). */
  readonly options: S3BlobOptions;
  /** Kills the server (SIGKILL) without removing its files. */
  kill(): Promise<void>;
  /** Starts it again on the same port and files after kill(). */
  start(): Promise<void>;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

const binary = join(
  dirname(createRequire(import.meta.url).resolve('s3rver/package.json')),
  'bin',
  's3rver.js',
);

function launch(
  dir: string,
  port: number,
  bucket: string,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      binary,
      '-d',
      dir,
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-s',
      '--no-vhost-buckets',
      '--configure-bucket',
      bucket,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`s3rver did not start: ${output}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on [\d.]+:(\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve({ child, port: Number(match[1]) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (${code}): ${output}`));
    });
  });
}

function killChild(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts s3rver on a free loopback port with bucket `bucket`. */
export async function startS3rver(bucket = 'wa-media-test'): Promise<S3rverProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'wa-media-s3-'));
  let { child, port } = await launch(dir, 0, bucket);
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    options: {
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      // s3rver's fixed development credentials.
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    },
    kill: () => killChild(child),
    async start() {
      ({ child, port } = await launch(dir, port, bucket));
    },
    async stop() {
      await killChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
