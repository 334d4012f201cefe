#!/usr/bin/env node
// The `wa-media` executable: wires the process (argv, signals, exit code) to runCli.
import { runCli } from './cli.js';
import { EXIT_CODES } from './errors.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (): void => {
  signals += 1;
  // The first signal lets the command clean up (temp files, servers); a second one insists.
  if (signals > 1) process.exit(EXIT_CODES.interrupted);
  controller.abort(new Error('interrupted'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `wa-media … | head`: the reader went away. Stop like on Ctrl-C instead of crashing.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
    controller.abort(new Error('stdout closed'));
  } else {
    throw error;
  }
});

const code = await runCli(process.argv.slice(2), { signal: controller.signal });
process.off('SIGINT', onSignal);
process.off('SIGTERM', onSignal);
process.exitCode = code;
