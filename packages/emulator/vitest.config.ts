import { definePackageProject } from '../../tools/vitest/project.ts';

export default definePackageProject('emulator');
