// `wa-media describe` and `upload --describe`, run as users run them (child processes; the
// upload against `wa-media emulator` in another process).
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { useCliEmulator } from './test-support/cli-emulator.js';
import { runCli } from './test-support/run-cli.js';

const fixtures = fileURLToPath(new URL('../../media-info/fixtures/', import.meta.url));
const cli = useCliEmulator('wa-media-cli-describe-');

describe('wa-media describe', () => {
  it('prints what a message needs, guessing the kind from the content', async () => {
    const run = await runCli(['describe', `${fixtures}photo.jpg`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/mimetype: +image\/jpeg/);
    expect(run.stdout).toMatch(/size: +640×480/);
    expect(run.stdout).toMatch(/preview: +JPEG/);
  });

  it('--json: the waveform of a voice note as 64 numbers, the preview as base64', async () => {
    const voice = await runCli(['describe', '--kind', 'ptt', '--json', `${fixtures}voice.ogg`]);
    expect(voice.code, voice.stderr).toBe(0);
    const info = JSON.parse(voice.stdout);
    expect(info).toMatchObject({
      ok: true,
      kind: 'ptt',
      mimetype: 'audio/ogg; codecs=opus',
      seconds: 3,
    });
    expect(info.waveform).toHaveLength(64);
    const photo = JSON.parse((await runCli(['describe', '--json', `${fixtures}tiny.png`])).stdout);
    expect(Buffer.from(photo.jpegThumbnail, 'base64').subarray(0, 2)).toEqual(
      Buffer.from([0xff, 0xd8]),
    );
  });

  it('warns when the content is not the mimetype given', async () => {
    const run = await runCli(['describe', '--mimetype', 'video/mp4', `${fixtures}document.pdf`]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/pages: +3/);
    expect(run.stdout).toMatch(
      /warning: +The content is application\/pdf, not video\/mp4 as given/,
    );
  });

  it('exit 2 for an unknown kind, a missing file or a broken file', async () => {
    expect((await runCli(['describe', '--kind', 'movie', `${fixtures}photo.jpg`])).code).toBe(
      EXIT_CODES.usage,
    );
    expect((await runCli(['describe', `${cli.dir}/missing.jpg`])).code).toBe(EXIT_CODES.usage);
    const bytes = await readFile(`${fixtures}video.mp4`);
    // The moov box cut off: not a readable MP4.
    await writeFile(`${cli.dir}/broken.mp4`, bytes.subarray(0, 600));
    const run = await runCli(['describe', '--no-preview', `${cli.dir}/broken.mp4`]);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toMatch(/moov/);
  });
});

describe('wa-media upload --describe', () => {
  it('uploads the image and its preview as a thumbnail, and prints both', async () => {
    const photo = await readFile(`${fixtures}photo.jpg`);
    const { upload } = await cli.uploadFile<Record<string, unknown>>(
      'photo.jpg',
      photo,
      ['--type', 'image', '--describe', '--json'],
      'photo.json',
    );
    const preview = upload.preview as Record<string, unknown>;
    expect(preview).toMatchObject({
      mimetype: 'image/jpeg',
      width: 640,
      height: 480,
      warnings: [],
    });
    const jpeg = Buffer.from(preview.jpegThumbnail as string, 'base64');
    expect(upload.thumbnailDirectPath).toMatch(/^\//);
    expect(upload.thumbnailSha256).toBe(createHash('sha256').update(jpeg).digest('base64'));
    expect(upload.thumbnailEncSha256).toBeTypeOf('string');
  });

  it('a voice note from stdin: duration and waveform, no thumbnail', async () => {
    const run = await cli.upload(
      ['--type', 'audio', '--describe', '--kind', 'ptt', '--json'],
      '-',
      {
        input: await readFile(`${fixtures}voice.ogg`),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const upload = JSON.parse(run.stdout);
    expect(upload.preview).toMatchObject({ seconds: 3, mimetype: 'audio/ogg; codecs=opus' });
    expect(upload.preview.waveform).toHaveLength(64);
    expect(upload.thumbnailDirectPath).toBeUndefined();
  });
});
