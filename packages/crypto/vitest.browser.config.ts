// The browser suite: src/**/*.browser.test.ts in Debian's Chromium (never a downloaded one),
// with `#crypto-backend` mapped to the noble backend as the `browser` export condition does once built.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playwright } from '@vitest/browser-playwright';
import { defineProject } from 'vitest/config';

const chromium = process.env.WA_MEDIA_CHROMIUM ?? '/usr/bin/chromium';
// Without Chromium a newcomer's `pnpm test` still works; CI must have it and fails loudly.
const enabled = existsSync(chromium) || Boolean(process.env.CI);
if (!enabled) {
  console.warn(
    `crypto-browser: skipped, ${chromium} not found (apt-get install chromium to run it)`,
  );
}

export default defineProject({
  resolve: {
    alias: [
      {
        find: /^#crypto-backend$/,
        replacement: fileURLToPath(new URL('./src/backend/noble.ts', import.meta.url)),
      },
    ],
  },
  test: {
    name: 'crypto-browser',
    include: enabled ? ['src/**/*.browser.test.ts'] : [],
    passWithNoTests: true,
    testTimeout: 60_000,
    browser: {
      enabled,
      headless: true,
      provider: playwright({
        launchOptions: {
          executablePath: chromium,
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-dev-shm-usage',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
