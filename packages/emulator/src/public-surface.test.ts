// The public surface on purpose: every runtime export of each entry point and every subpath of
// package.json "exports" is listed here, so adding or removing one is a visible decision in
// review (refresh with `pnpm exec vitest run --project emulator src/public-surface.test.ts -u`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe('public surface of @wa-media/emulator', () => {
  it('has these package.json export subpaths', () => {
    expect(Object.keys(manifest.exports)).toMatchInlineSnapshot(`
      [
        ".",
        "./package.json",
      ]
    `);
  });

  it('exports these names from the main entry', async () => {
    expect(Object.keys(await import('./index.js')).sort()).toMatchInlineSnapshot(`
      [
        "EmulatorError",
        "WHATSAPP_WEB_ORIGIN",
        "connectEmulatorSignaling",
        "isEmulatorError",
        "isLoopbackTarget",
        "nodeFromJson",
        "nodeToJson",
        "recordingLogger",
        "startEmulator",
        "startProxy",
      ]
    `);
  });
});
