import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('media-info');
