import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('example-download-by-params', {
  test: { include: ['*.test.ts'] },
});
