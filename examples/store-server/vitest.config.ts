import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('example-store-server', { test: { include: ['*.test.ts'] } });
