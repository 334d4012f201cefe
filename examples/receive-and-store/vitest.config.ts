import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('example-receive-and-store', {
  test: { include: ['*.test.ts'] },
});
