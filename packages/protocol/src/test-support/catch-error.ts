/**
 * Runs `run` and returns what it threw, so a test can assert on the error's class and fields
 * together. Fails the test when `run` returns normally: a missing throw must never pass.
 */
export function catchError(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
