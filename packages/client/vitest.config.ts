import { definePackageProject } from '../../tools/vitest/project.ts';

// --expose-gc: a test proves an ended download's plaintext is collectable (not kept by the registry).
export default definePackageProject('client', { test: { execArgv: ['--expose-gc'] } });
