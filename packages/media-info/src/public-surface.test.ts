// The public surface on purpose: every runtime export of each entry point and every subpath of
// package.json "exports" is listed here, so adding or removing one is a visible decision in
// review (refresh with `pnpm exec vitest run --project media-info src/public-surface.test.ts -u`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe('public surface of @wa-media/media-info', () => {
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
        "MAX_THUMBNAIL_BYTES",
        "MediaInfoError",
        "MissingDependencyError",
        "THUMBNAIL_MAX_SIDE",
        "THUMBNAIL_MIN_SIDE",
        "UnreadableMediaError",
        "WAVEFORM_SAMPLES",
        "describeMedia",
        "isMediaInfoError",
        "sniffMimetype",
      ]
    `);
  });
});
