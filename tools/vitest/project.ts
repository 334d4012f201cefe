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
  }));

/** Absolute path of `../shared/vectors`, where the test vectors live. */
export const vectorsDir: string = fileURLToPath(
  new URL('../../../shared/vectors/', import.meta.url),
);

/** True when the slow suites should run (`pnpm test:slow`). */
export const slowSuites: boolean = process.env.WA_MEDIA_SLOW === '1';

export function definePackageProject(name: string, overrides: ViteUserConfig = {}): ViteUserConfig {
  return mergeConfig(
    defineProject({
      resolve: { alias: workspaceAliases },
      test: {
        name,
        include: ['src/**/*.test.ts'],
        exclude: slowSuites ? [] : ['src/**/*.slow.test.ts'],
        testTimeout: 30_000,
        hookTimeout: 30_000,
        env: { WA_MEDIA_VECTORS: vectorsDir },
      },
    }),
    overrides,
  );
}
