#!/usr/bin/env node
// Regenerates src/generated/ from proto/*.proto with `buf generate` and the local ts-proto
// plugin (options in buf.gen.yaml). Works offline.
//
//   node scripts/generate.mjs                     write src/generated/
//   node scripts/generate.mjs --check             regenerate into a temp dir and compare with
//                                                 src/generated/ (exit 1 on any difference)
//   node scripts/generate.mjs --check --generated-dir DIR   compare with DIR instead
//
// When buf or the plugin is not installed, --check prints a notice and exits 0 (skipped).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const buf = join(packageDir, 'node_modules/.bin/buf');
const plugin = join(packageDir, 'node_modules/.bin/protoc-gen-ts_proto');
const args = process.argv.slice(2);
const check = args.includes('--check');
const dirFlag = args.indexOf('--generated-dir');
const committedDir =
  dirFlag === -1 ? join(packageDir, 'src/generated') : resolve(args[dirFlag + 1] ?? '');

function runBuf(outputBase) {
  const result = spawnSync(buf, ['generate', '--template', 'buf.gen.yaml', '-o', outputBase], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    process.stderr.write(result.stderr || result.error?.message || 'buf generate failed\n');
    process.exit(2);
  }
}

if (!existsSync(buf) || !existsSync(plugin)) {
  const message = 'protocol: buf or protoc-gen-ts_proto is not installed; generation skipped\n';
  process.stdout.write(`SKIPPED ${message}`);
  process.exit(check ? 0 : 2);
}

if (!check) {
  runBuf('.');
  process.stdout.write('protocol: src/generated/ regenerated\n');
  process.exit(0);
}

const temp = mkdtempSync(join(tmpdir(), 'wa-media-protogen-'));
try {
  runBuf(temp);
  const freshDir = join(temp, 'src/generated');
  const fresh = readdirSync(freshDir).sort();
  const committed = existsSync(committedDir) ? readdirSync(committedDir).sort() : [];
  const problems = [];
  for (const name of new Set([...fresh, ...committed])) {
    if (!fresh.includes(name)) problems.push(`${name}: not produced by the generator`);
    else if (!committed.includes(name)) problems.push(`${name}: missing from the committed code`);
    else if (!readFileSync(join(freshDir, name)).equals(readFileSync(join(committedDir, name)))) {
      problems.push(`${name}: differs from a fresh generation`);
    }
  }
  if (problems.length > 0) {
    process.stderr.write(
      `protocol: src/generated/ is stale (run \`pnpm --filter @wa-media/protocol generate\`):\n  ${problems.join('\n  ')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write('protocol: src/generated/ is up to date\n');
} finally {
  rmSync(temp, { recursive: true, force: true });
}
