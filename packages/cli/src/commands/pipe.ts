import type { CommandContext } from '../command.js';
import { UsageError } from '../errors.js';

/**
 * --json prints its object on stdout, so the media cannot go there too.
 * @throws {UsageError} for --json with OUT `-`.
 */
export function rejectJsonWithStdout(context: CommandContext, output: string): void {
  if (output === '-' && context.out.json) {
    throw new UsageError('--json prints to stdout; it cannot be combined with OUT -');
  }
}

/**
 * source → transform → sink, with a progress bar over the input bytes and abort on SIGINT.
 * Rejects with the first failure (the sink is aborted, so it stops writing).
 */
export async function pipeWithProgress(
  context: CommandContext,
  label: string,
  source: { stream: ReadableStream<Uint8Array>; size: number | undefined },
  transform: TransformStream<Uint8Array, Uint8Array>,
  sink: WritableStream<Uint8Array>,
): Promise<void> {
  const progress = context.out.progress(label);
  let done = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      done += chunk.length;
      progress.update(done, source.size ?? null);
      controller.enqueue(chunk);
    },
  });
  try {
    await source.stream
      .pipeThrough(counter, { signal: context.signal })
      .pipeThrough(transform, { signal: context.signal })
      .pipeTo(sink, { signal: context.signal });
  } finally {
    progress.finish();
  }
}
