import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const script = join(packageDir, 'scripts/generate.mjs');
const generatorAvailable =
  existsSync(join(packageDir, 'node_modules/.bin/buf')) &&
  existsSync(join(packageDir, 'node_modules/.bin/protoc-gen-ts_proto'));
if (!generatorAvailable)
  console.warn('protocol: buf/ts-proto not installed, generation check skipped');

function check(...extra: string[]) {
  return spawnSync(process.execPath, [script, '--check', ...extra], { encoding: 'utf8' });
}

const temp = mkdtempSync(join(tmpdir(), 'wa-media-protogen-test-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe.skipIf(!generatorAvailable)('check:generated', () => {
  it('passes on the committed src/generated/', () => {
    const result = check();
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('is up to date');
    expect(result.status).toBe(0);
  });

  it('fails, naming the file, when the generated code was edited by hand', () => {
    const copy = join(temp, 'edited');
    cpSync(join(packageDir, 'src/generated'), copy, { recursive: true });
    const file = join(copy, 'wa_media.pb.ts');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n// edited\n`);
    const result = check('--generated-dir', copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('wa_media.pb.ts: differs from a fresh generation');
  });

  it('fails when a generated file is missing or extra', () => {
    const extra = join(temp, 'extra');
    cpSync(join(packageDir, 'src/generated'), extra, { recursive: true });
    writeFileSync(join(extra, 'stale.pb.ts'), '');
    expect(check('--generated-dir', extra).stderr).toContain(
      'stale.pb.ts: not produced by the generator',
    );
    const empty = join(temp, 'empty');
    const result = check('--generated-dir', empty);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('wa_media.pb.ts: missing from the committed code');
  });
});
