import { fileURLToPath } from 'node:url';
import { definePackageProject } from '../../tools/vitest/project.ts';

// Tests run on sources: `#crypto-backend` (an export condition once built) is the node backend here;
// vitest.browser.config.ts maps it to the noble one.
export default definePackageProject('crypto', {
  resolve: {
    alias: [
      {
        find: /^#crypto-backend$/,
        replacement: fileURLToPath(new URL('./src/backend/node.ts', import.meta.url)),
      },
    ],
  },
  test: { exclude: ['src/**/*.browser.test.ts'] },
});
