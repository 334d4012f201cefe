#!/usr/bin/env node
// The release without publishing: packs every public package as `pnpm publish` would (workspace
// ranges replaced) into a temp folder and checks each tarball: a real version, metadata, every
// export target and the README inside, no `workspace:` range, and none of the files that must
// stay in the repository (tests, test support, vectors, benchmarks). Run after `pnpm build`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const forbidden = [/\.test\.ts$/, /(^|\/)test-support\//, /(^|\/)vectors\//, /(^|\/)bench\//];
const work = mkdtempSync(join(tmpdir(), 'wa-media-release-'));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`);
  }
  return result.stdout;
}

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Every `./…` path an exports map points at. */
function exportTargets(exports) {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

function check(dir) {
  const source = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (source.private) return undefined;
  const out = join(work, source.name.replace('/', '-'));
  run('pnpm', ['pack', '--pack-destination', out], dir);
  const tarball = readdirSync(out).find((name) => name.endsWith('.tgz'));
  run('tar', ['-xzf', join(out, tarball), '-C', out]);
  const unpacked = join(out, 'package');
  const packed = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8'));
  const listed = files(unpacked).map((path) => relative(unpacked, path));
  const problems = [];
  if (!/^\d+\.\d+\.\d+/.test(packed.version) || packed.version === '0.0.0') {
    problems.push(`version ${packed.version} is not a release`);
  }
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'license']) {
    if (packed[field] === undefined) problems.push(`no "${field}"`);
  }
  if (packed.repository?.directory !== relative(root, dir)) {
    problems.push(`repository.directory is not ${relative(root, dir)}`);
  }
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [name, range] of Object.entries(packed[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${name} is ${range}`);
    }
  }
  for (const target of [...exportTargets(packed.exports), ...Object.values(packed.bin ?? {})]) {
    if (!existsSync(join(unpacked, target))) problems.push(`export target ${target} is missing`);
  }
  if (!listed.includes('README.md')) problems.push('no README.md');
  if (!listed.some((path) => path.startsWith('dist/'))) problems.push('no dist/');
  for (const path of listed) {
    if (forbidden.some((pattern) => pattern.test(path))) problems.push(`ships ${path}`);
  }
  return { name: `${packed.name}@${packed.version}`, files: listed.length, problems };
}

try {
  const packagesDir = join(root, 'packages');
  const results = readdirSync(packagesDir)
    .map((name) => join(packagesDir, name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map(check)
    .filter((result) => result !== undefined);
  let failed = false;
  for (const { name, files: count, problems } of results) {
    console.log(`${problems.length === 0 ? '✓' : '✗'} ${name} (${count} files)`);
    for (const problem of problems) console.log(`    ${problem}`);
    failed ||= problems.length > 0;
  }
  process.exitCode = failed ? 1 : 0;
} finally {
  rmSync(work, { recursive: true, force: true });
}
