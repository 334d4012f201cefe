// Shared vitest project settings. Every package's vitest.config.ts calls definePackageProject,
// so all packages resolve each other's *sources* (no build needed to test) the same way.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig, type ViteUserConfig } from 'vitest/config';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const packagesDir = `${repoRoot}packages/`;

/** `@wa-media/<name>` → `packages/<name>/src/index.ts`, exact matches only. */
export const workspaceAliases: { find: RegExp; replacement: string }[] = readdirSync(packagesDir, {
  withFileTypes: true,
})
  .filter((entry) => entry.isDirectory())
  .map((entry) => ({
    find: new RegExp(`^@wa-media/${entry.name}$`),
    replacement: `${packagesDir}${entry.name}/src/index.ts`,
  }))
  .concat([
    // Export subpaths (keep in sync with tsconfig.base.json `paths`).
    {
      find: /^@wa-media\/transport\/node$/,
      replacement: `${packagesDir}transport/src/node.ts`,
    },
    {
      find: /^@wa-media\/crypto\/backend\/node$/,
      replacement: `${packagesDir}crypto/src/backend/node.ts`,
    },
    {
      find: /^@wa-media\/client\/node$/,
      replacement: `${packagesDir}client/src/node.ts`,
    },
    // crypto's backend is an export condition once built; on sources, tests run on Node's.
    // (packages/crypto/vitest.browser.config.ts maps it to the noble backend instead.)
    {
      find: /^#crypto-backend$/,
      replacement: `${packagesDir}crypto/src/backend/node.ts`,
    },
  ]);

export function definePackageProject(name: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineProject({
      resolve: { alias: workspaceAliases },
      test: {
        name,
        include: ['src/**/*.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 30_000,
      },
    }),
    overrides,
  );
}
