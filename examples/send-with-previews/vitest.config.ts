import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('example-send-with-previews', {
  test: { include: ['*.test.ts'] },
});
