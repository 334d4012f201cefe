#!/usr/bin/env node
// Installs the workspace's dependencies on a machine that has only Node and npm (+ pnpm).
// Native addons (better-sqlite3) build with node-gyp; on machines without internet access
// node-gyp cannot download Node's headers, so point it at the headers shipped beside this
// Node binary when they exist (Debian's nodejs-dev, or an official tarball install).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const args = process.argv.slice(2);
const env = { ...process.env };
const nodeDir = dirname(dirname(process.execPath));
if (!env.npm_config_nodedir && existsSync(join(nodeDir, 'include', 'node', 'node.h'))) {
  env.npm_config_nodedir = nodeDir;
}
env.TURBO_TELEMETRY_DISABLED ??= '1';
const result = spawnSync('pnpm', ['install', ...args], { stdio: 'inherit', env });
process.exit(result.status ?? 1);
