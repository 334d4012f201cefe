import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('example-send-video', { test: { include: ['*.test.ts'] } });
