import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('example-pause-resume', { test: { include: ['*.test.ts'] } });
