// The built package must pick its backend by export condition: node:crypto under Node, noble
// under the browser condition. Needs `pnpm build` first. Locally a missing dist/ skips these
// tests (the others run on sources); under CI (which builds before testing) it fails them, so
// a broken pipeline cannot pass by skipping.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const distEntry = new URL('../dist/index.js', import.meta.url);
const built = existsSync(distEntry);
const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

function run(conditions: string[], code: string): string {
  const args = [
    ...conditions.flatMap((c) => ['--conditions', c]),
    '--input-type=module',
    '-e',
    code,
  ];
  return execFileSync(process.execPath, args, { cwd: packageDir, encoding: 'utf8' }).trim();
}

const probe = `
  const lib = await import('@wa-media/crypto');
  const { data, mediaKey } = lib.encryptMedia(new Uint8Array([1, 2, 3]), 'image');
  const back = lib.decryptMedia(data, { type: 'image', mediaKey });
  console.log(lib.backendName + ' ' + back.join(','));
`;

describe.skipIf(!built && !ci)('built package (dist)', () => {
  it('exists (CI builds before testing)', () => {
    expect(built, `${fileURLToPath(distEntry)} is missing: run pnpm build first`).toBe(true);
  });

  it('uses the node backend under Node', () => {
    expect(run([], probe)).toBe('node 1,2,3');
  });

  it('uses the noble backend under the browser condition', () => {
    expect(run(['browser'], probe)).toBe('noble 1,2,3');
  });

  it('exposes both backends as subpaths for explicit use', () => {
    const code = `
      const { nobleBackend } = await import('@wa-media/crypto/backend/noble');
      const { nodeBackend } = await import('@wa-media/crypto/backend/node');
      console.log(nobleBackend.name + ' ' + nodeBackend.name);
    `;
    expect(run([], code)).toBe('noble node');
  });
});
