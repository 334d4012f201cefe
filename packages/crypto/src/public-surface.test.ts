// The public surface on purpose: every runtime export of each entry point and every subpath of
// package.json "exports" is listed here, so adding or removing one is a visible decision in
// review (refresh with `pnpm exec vitest run --project crypto src/public-surface.test.ts -u`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe('public surface of @wa-media/crypto', () => {
  it('has these package.json export subpaths', () => {
    expect(Object.keys(manifest.exports)).toMatchInlineSnapshot(`
      [
        ".",
        "./backend/noble",
        "./backend/node",
        "./package.json",
      ]
    `);
  });

  it('exports these names from the main entry', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
      [
        "HashWorkerError",
        "MEDIA_TYPES",
        "MEDIA_TYPE_ALIASES",
        "MEDIA_TYPE_NAMES",
        "MediaDecryptor",
        "MediaEncryptor",
        "MediaIntegrityError",
        "MediaReplayError",
        "MediaStateError",
        "backendName",
        "ciphertextRangeFor",
        "computeSidecar",
        "createDecryptStream",
        "createEncryptStream",
        "decryptIterable",
        "decryptMedia",
        "decryptMediaRetry",
        "decryptRange",
        "deriveMediaKeys",
        "deriveMediaRetryKey",
        "encryptIterable",
        "encryptMedia",
        "encryptMediaRetry",
        "encryptedLength",
        "generateMediaKey",
        "isHashWorkerError",
        "isMediaIntegrityError",
        "isMediaReplayError",
        "isMediaStateError",
        "isMediaType",
        "mediaTypeInfo",
        "replayCiphertext",
        "resolveMediaType",
        "sidecarEntryCount",
        "verifySidecarRange",
      ]
    `);
  });

  it('exports these names from ./backend/noble', async () => {
    expect(Object.keys(await import('./backend/noble.js')).sort()).toMatchInlineSnapshot(`
      [
        "default",
        "nobleBackend",
      ]
    `);
  });

  it('exports these names from ./backend/node', async () => {
    expect(Object.keys(await import('./backend/node.js')).sort()).toMatchInlineSnapshot(`
      [
        "default",
        "nodeBackend",
        "stopHashWorker",
      ]
    `);
  });
});
