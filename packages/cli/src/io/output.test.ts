import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from './output.js';

function streams(isTTY: boolean) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  const text = (stream: PassThrough): string =>
    (stream.read() as Buffer | null)?.toString('utf8') ?? '';
  return { stdout, stderr, text };
}

describe('Output', () => {
  it('draws a progress bar on a TTY, and clears it when done', () => {
    const { stdout, stderr, text } = streams(true);
    const out = new Output({ stdout, stderr }, { json: false, quiet: false });
    const bar = out.progress('download');
    bar.update(5 * 1024 * 1024, 10 * 1024 * 1024);
    bar.finish();
    const drawn = text(stderr);
    expect(drawn).toContain('download [');
    expect(drawn).toContain(' 50% 5.0 MiB/10.0 MiB');
    expect(drawn.endsWith('\r\x1b[2K')).toBe(true);
    expect(text(stdout)).toBe('');
  });

  it('on a TTY the bar says what it waits for, and --no-progress / --json hide it', () => {
    const { stdout, stderr, text } = streams(true);
    const bar = new Output({ stdout, stderr }, { json: false, quiet: false }).progress('upload');
    bar.update(10, 10);
    bar.waiting('waiting for the server');
    expect(text(stderr)).toMatch(/upload \[#+\] 100% 10 B\/10 B .*, waiting for the server…$/);
    for (const options of [
      { json: false, quiet: false, progress: 'never' as const },
      { json: true, quiet: false },
      { json: false, quiet: true },
    ]) {
      const hidden = new Output({ stdout, stderr }, options).progress('upload');
      hidden.update(5, 10);
      hidden.waiting('waiting for the server');
      expect(text(stderr)).toBe('');
    }
    // --progress shows it with --json too (stdout keeps the JSON; progress is on stderr).
    const forced = new Output({ stdout, stderr }, { json: true, quiet: false, progress: 'always' });
    forced.progress('upload').update(5, 10);
    expect(text(stderr)).toContain(' 50% ');
  });

  it('draws no bar when stderr is not a TTY (notes still go to stderr, for logs)', () => {
    const { stdout, stderr, text } = streams(false);
    const out = new Output({ stdout, stderr }, { json: false, quiet: false });
    const bar = out.progress('upload');
    bar.update(1, 2);
    bar.finish();
    out.note('a note');
    expect(text(stderr)).toBe('a note\n');
  });

  it('prints neither bars nor notes with --json or --quiet', () => {
    for (const [json, quiet] of [
      [true, false],
      [false, true],
    ] as const) {
      const { stdout, stderr, text } = streams(true);
      const out = new Output({ stdout, stderr }, { json, quiet });
      const bar = out.progress('upload');
      bar.update(1, 2);
      bar.finish();
      out.note('a note');
      expect(text(stderr)).toBe('');
    }
  });

  it('prints exactly one JSON object for a result, and none for a failure after it', () => {
    const { stdout, stderr, text } = streams(false);
    const out = new Output({ stdout, stderr }, { json: true, quiet: false });
    out.print('human text is not printed with --json');
    out.result(['ignored'], { fileLength: 3 });
    out.failure({ kind: 'unexpected', code: 'x', message: 'later failure', exitCode: 1 });
    expect(text(stdout)).toBe('{"ok":true,"fileLength":3}\n');
    expect(text(stderr)).toBe('wa-media: later failure\n');
  });

  it('masks registered secrets in notes and failures, not in results', () => {
    const { stdout, stderr, text } = streams(false);
    const out = new Output({ stdout, stderr }, { json: true, quiet: false });
    out.secrets.add('SECRETTOKEN123');
    out.failure({ kind: 'network', code: 'x', message: 'refused SECRETTOKEN123', exitCode: 4 });
    expect(text(stderr)).toBe('wa-media: refused [redacted]\n');
    expect(JSON.parse(text(stdout))).toMatchObject({
      ok: false,
      error: { message: 'refused [redacted]' },
    });
  });
});
