// The built package must pick its backend by export condition: node:crypto under Node, noble
// under the browser condition. Needs `pnpm build` first (CI builds before testing).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(new URL('../dist/index.js', import.meta.url));

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

describe.skipIf(!built)('built package (dist)', () => {
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
