// Child processes running serve-fixture.ts (a `wa-media serve`-like store): spawn with the
// emulator, webhook receiver and optional PostgreSQL settings, call its HTTP API, kill -9 it.

import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Emulator } from '@wa-media/emulator';
import { API_TOKEN, OWN_JID, WEBHOOK_SECRET } from './store-harness.js';

const fixture = fileURLToPath(new URL('./serve-fixture.ts', import.meta.url));
// tsx maps @wa-media/* to sources through the package tsconfig's paths (no build needed).
const tsconfig = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));

/** A running store process. */
export interface ServedStore {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
  /** Everything it printed to stderr so far. */
  stderr(): string;
  /** The JSON lines it printed after the first (`{"downloads": n}` on an orderly stop). */
  readonly reports: unknown[];
}

/** What a served store runs against. */
export interface ServeSetup {
  emulator: Emulator;
  webhookUrl: string;
  dataDir: string;
  /** A postgres:// URL: the store runs on PostgreSQL. */
  database?: string;
  leaseMs?: number;
  concurrency?: number;
}

/** Starts a store process and resolves once it listens. */
export async function spawnServedStore(setup: ServeSetup): Promise<ServedStore> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: tsconfig,
      WA_STORE_DATA_DIR: setup.dataDir,
      WA_STORE_EMULATOR_CONTROL_URL: setup.emulator.control!.url,
      WA_STORE_EMULATOR_CONTROL_TOKEN: setup.emulator.control!.token,
      WA_STORE_OWN_JID: OWN_JID,
      WA_STORE_WEBHOOK_URL: setup.webhookUrl,
      WA_STORE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      WA_STORE_API_TOKEN: API_TOKEN,
      ...(setup.database === undefined ? {} : { WA_STORE_DATABASE: setup.database }),
      ...(setup.leaseMs === undefined ? {} : { WA_STORE_LEASE_MS: String(setup.leaseMs) }),
      ...(setup.concurrency === undefined
        ? {}
        : { WA_STORE_CONCURRENCY: String(setup.concurrency) }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const reports: unknown[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      resolve((JSON.parse(line) as { url: string }).url);
      lines.on('line', (more) => reports.push(JSON.parse(more)));
    });
    child.once('exit', (code) => reject(new Error(`fixture exited (${code}): ${stderr}`)));
  });
  return { child, url, exited, stderr: () => stderr, reports };
}

/** A request to a served store's API with the bearer token. */
export function callStore(
  served: ServedStore,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(`${served.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${API_TOKEN}`,
      'content-type': 'application/json',
      ...init.headers,
    },
  });
}

/** SIGKILL, and wait until it is gone. */
export async function kill9(served: ServedStore): Promise<void> {
  served.child.kill('SIGKILL');
  await served.exited;
}

/** SIGTERM (an orderly close), and wait until it is gone. */
export async function stopServedStore(served: ServedStore): Promise<void> {
  if (served.child.exitCode !== null) return;
  served.child.kill('SIGTERM');
  await served.exited;
}
