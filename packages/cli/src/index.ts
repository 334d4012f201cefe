/**
 * @wa-media/cli: the `wa-media` command. The package's main use is its bin; the entry point
 * also exports {@link runCli} (run the command in-process) and the exit codes and error class,
 * for wrappers and tests.
 */
export { CLI_VERSION, type RunCliOptions, runCli } from './cli.js';
export {
  CliError,
  type CliErrorKind,
  type CliErrorOptions,
  EXIT_CODES,
  exitCodeFor,
  isCliError,
  UsageError,
} from './errors.js';
