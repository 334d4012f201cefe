import { booleanFlag, type CommandSpec, integerFlag } from '../command.js';
import { runDemo } from '../demo/run-demo.js';
import { CliError } from '../errors.js';

/** `wa-media demo`: the main job end to end against an in-process emulator. */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'run the whole toolkit end to end against a local emulator, with a report',
  usage: ['demo [--size MiB] [--keep]'],
  details: [
    'Generates a video-like sample (~50 MiB) and an image, uploads them, downloads them back',
    'verified, pauses and resumes transfers, rides out injected faults (503 + Retry-After, a',
    'reset mid-body, a flipped byte on one host), lets media expire and recovers it through',
    'media reupload. One line per check; exit 1 when any check fails.',
  ],
  flags: {
    size: { type: 'string', value: 'MiB', description: 'size of the video sample (default 50)' },
    keep: { type: 'boolean', description: 'keep the temp folder with the samples and downloads' },
  },
  positionals: { min: 0, max: 0 },
  async run(context) {
    const videoMiB = integerFlag(context, 'size', { min: 6, max: 1024 }, 50) ?? 50;
    const report = await runDemo(context.out, {
      videoMiB,
      keep: booleanFlag(context, 'keep'),
      signal: context.signal,
    });
    const passed = report.checks.filter((check) => check.status === 'passed').length;
    context.out.print(`\n${passed} passed, ${report.failed} failed`);
    if (context.out.json) {
      context.out.result([], {
        passed,
        failed: report.failed,
        checks: report.checks,
        facts: report.facts,
      });
    }
    if (context.signal.aborted) throw new CliError('interrupted', 'demo interrupted');
    if (report.failed > 0) {
      throw new CliError('unexpected', `${report.failed} demo check(s) failed`, {
        code: 'demo-failed',
      });
    }
  },
};
