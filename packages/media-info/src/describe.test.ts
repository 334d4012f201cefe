// describeMedia on real files: sizes and durations, voice-note waveforms, image and video
// previews, and mimetypes.
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { describeMedia, type MediaKind } from './describe.js';
import { isMediaInfoError, MissingDependencyError, UnreadableMediaError } from './errors.js';
import { importOptional } from './optional.js';
import { fixture, fixtureBytes, truth } from './test-support/fixtures.js';
import { MAX_THUMBNAIL_BYTES } from './thumbnail.js';

const KINDS: Record<string, MediaKind> = {
  'photo.jpg': 'image',
  'tiny.png': 'image',
  'rotated.jpg': 'image',
  'sticker.webp': 'sticker',
  'animated.webp': 'sticker',
  'video.mp4': 'video',
  'faststart.mp4': 'video',
  'video.webm': 'video',
  'voice.ogg': 'ptt',
  'song.mp3': 'audio',
  'document.pdf': 'document',
};

/** Decodes a preview and checks WhatsApp's limits; returns its size. */
async function checkPreview(
  jpeg: Uint8Array | undefined,
): Promise<{ width: number; height: number }> {
  expect(jpeg).toBeInstanceOf(Uint8Array);
  const bytes = jpeg as Uint8Array;
  expect(bytes.length).toBeLessThanOrEqual(MAX_THUMBNAIL_BYTES);
  const meta = await sharp(bytes).metadata();
  expect(meta.format).toBe('jpeg');
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  expect(Math.max(width, height)).toBeGreaterThanOrEqual(32);
  expect(Math.max(width, height)).toBeLessThanOrEqual(100);
  return { width, height };
}

const ffmpegOnPath = await describeMedia(fixture('video.mp4'), 'video').then(
  (d) => d.jpegThumbnail !== undefined,
);

describe('describeMedia on real files', () => {
  for (const [name, kind] of Object.entries(KINDS)) {
    it(`${name} (${kind}) gives the numbers the file was made with`, async () => {
      const expected = truth[name]!;
      const info = await describeMedia(fixture(name), kind, { thumbnail: false });
      expect(info.mimetype).toBe(expected.mimetype);
      expect(info.warnings).toEqual([]);
      expect(info.width).toBe(expected.width);
      expect(info.height).toBe(expected.height);
      expect(info.animated).toBe(expected.animated);
      expect(info.pageCount).toBe(expected.pageCount);
      if (expected.seconds === undefined) {
        expect(info.duration).toBeUndefined();
      } else {
        // Encoders pad a little (Opus pre-roll, MP3 frames): within 50 ms of what was made.
        expect(info.duration).toBeGreaterThan(expected.seconds - 0.05);
        expect(info.duration).toBeLessThan(expected.seconds + 0.05);
        expect(info.seconds).toBe(Math.round(expected.seconds));
      }
    });
  }

  it('gives the same answer for a path, bytes, a Node stream, a web stream and a Blob', async () => {
    const fromPath = await describeMedia(fixture('voice.ogg'), 'ptt');
    const forms = [
      fixtureBytes('voice.ogg'),
      createReadStream(fixture('voice.ogg')),
      new Blob([fixtureBytes('voice.ogg')]).stream(),
      new Blob([fixtureBytes('voice.ogg')]),
      { open: () => createReadStream(fixture('voice.ogg')) },
    ];
    for (const form of forms) {
      expect(await describeMedia(form, 'ptt')).toEqual(fromPath);
    }
  });

  it('refuses a stream longer than maxBytes while spooling', async () => {
    const error = await describeMedia(createReadStream(fixture('song.mp3')), 'audio', {
      maxBytes: 1024,
    }).catch((e: unknown) => e);
    expect(isMediaInfoError(error) && error.code).toBe('too-large');
  });
});

describe('the voice-note waveform', () => {
  it('has 64 values 0–100 that follow the loudness ramp the file was made with', async () => {
    const info = await describeMedia(fixture('voice.ogg'), 'ptt');
    const waveform = Array.from(info.waveform ?? []);
    expect(waveform).toHaveLength(64);
    expect(Math.max(...waveform)).toBe(100);
    truth['voice.ogg']!.waveform!.forEach((value, i) => {
      expect(Math.abs((waveform[i] ?? -100) - value)).toBeLessThanOrEqual(4);
    });
  });

  it('is left out for plain audio unless asked, and explained for non-Opus audio', async () => {
    expect((await describeMedia(fixture('voice.ogg'), 'audio')).waveform).toBeUndefined();
    const mp3 = await describeMedia(fixture('song.mp3'), 'ptt');
    expect(mp3.waveform).toBeUndefined();
    expect(mp3.warnings.join(' ')).toMatch(/Ogg Opus/);
  });
});

describe('image previews', () => {
  it('are JPEG, ≤ 32 KiB, longest side 32–100 px, aspect and orientation kept', async () => {
    const photo = await checkPreview(
      (await describeMedia(fixture('photo.jpg'), 'image')).jpegThumbnail,
    );
    expect(photo).toEqual({ width: 100, height: 75 });
    // Stored 400×300 with EXIF orientation 6: shown (and previewed) as portrait.
    const rotated = await checkPreview(
      (await describeMedia(fixture('rotated.jpg'), 'image')).jpegThumbnail,
    );
    expect(rotated).toEqual({ width: 75, height: 100 });
    // 12×20 is enlarged to the 32 px minimum.
    const tiny = await checkPreview(
      (await describeMedia(fixture('tiny.png'), 'image')).jpegThumbnail,
    );
    expect(tiny).toEqual({ width: 19, height: 32 });
  });

  it('are not made for stickers unless asked', async () => {
    expect((await describeMedia(fixture('sticker.webp'), 'sticker')).jpegThumbnail).toBeUndefined();
    await checkPreview(
      (await describeMedia(fixture('sticker.webp'), 'sticker', { thumbnail: true })).jpegThumbnail,
    );
  });

  it('a missing optional package is a typed error naming it', async () => {
    const error = await importOptional(
      'sharp-not-installed-here',
      'sharp',
      'The JPEG thumbnail',
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as MissingDependencyError).packageName).toBe('sharp');
    expect((error as Error).message).toContain('npm install sharp');
  });
});

describe('video previews through ffmpeg', () => {
  it.runIf(ffmpegOnPath || process.env.CI)(
    'ffmpeg on PATH: the first frame as a preview',
    async () => {
      for (const name of ['video.mp4', 'faststart.mp4', 'video.webm']) {
        const info = await describeMedia(fixture(name), 'video');
        const size = await checkPreview(info.jpegThumbnail);
        expect(size.width).toBe(100);
        expect(
          Math.abs(size.height - (100 * truth[name]!.height!) / truth[name]!.width!),
        ).toBeLessThanOrEqual(2);
      }
    },
  );

  it('no ffmpeg on PATH: no preview, no error, the rest as usual', async () => {
    const path = process.env.PATH;
    process.env.PATH = (path ?? '')
      .split(delimiter)
      .filter((dir) => !existsSync(join(dir, 'ffmpeg')))
      .join(delimiter);
    try {
      const info = await describeMedia(fixture('video.mp4'), 'video');
      expect(info.jpegThumbnail).toBeUndefined();
      expect(info.width).toBe(160);
      expect(info.seconds).toBe(2);
    } finally {
      process.env.PATH = path;
    }
  });
});

describe('mimetypes', () => {
  it('are sniffed from the content, with a warning when the caller said otherwise', async () => {
    const info = await describeMedia(fixture('photo.jpg'), 'image', { mimetype: 'image/png' });
    expect(info.mimetype).toBe('image/jpeg');
    expect(info.warnings).toEqual(['The content is image/jpeg, not image/png as given']);
  });

  it('warn when the content does not fit the message kind', async () => {
    const info = await describeMedia(fixture('document.pdf'), 'image');
    expect(info.mimetype).toBe('application/pdf');
    expect(info.warnings[0]).toMatch(/does not play as a image message/);
    expect(info.pageCount).toBe(3);
  });

  it("keep the caller's parameters when the type agrees, and the caller's type when unknown", async () => {
    const ogg = await describeMedia(fixture('voice.ogg'), 'ptt', {
      mimetype: 'audio/ogg; codecs=opus',
    });
    expect(ogg.mimetype).toBe('audio/ogg; codecs=opus');
    const text = await describeMedia(new TextEncoder().encode('hello'), 'document', {
      mimetype: 'text/plain',
    });
    expect(text).toEqual({ mimetype: 'text/plain', warnings: [] });
  });

  it('a file that claims a format but is broken is a typed error', async () => {
    const broken = fixtureBytes('video.mp4').slice(0, 600); // moov cut off
    await expect(describeMedia(broken, 'video', { thumbnail: false })).rejects.toBeInstanceOf(
      UnreadableMediaError,
    );
  });
});

describe('large files are read by seeking, never whole', () => {
  it('an MP4 with a 3 GiB mdat (sparse file): only the boxes around it are read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'media-info-sparse-'));
    try {
      const faststart = fixtureBytes('faststart.mp4');
      const ftyp = faststart.subarray(0, 32);
      const moov = faststart.subarray(32, 32 + 1011);
      const mdatSize = 3 * 2 ** 30;
      const header = new Uint8Array(16);
      const view = new DataView(header.buffer);
      view.setUint32(0, 1); // 64-bit size follows
      header.set([0x6d, 0x64, 0x61, 0x74], 4); // 'mdat'
      view.setBigUint64(8, BigInt(mdatSize));
      const path = join(dir, 'huge.mp4');
      const file = await open(path, 'w');
      await file.write(ftyp, 0, ftyp.length, 0);
      await file.write(header, 0, 16, 32);
      await file.write(moov, 0, moov.length, 32 + mdatSize);
      await file.close();
      const info = await describeMedia(path, 'video', { thumbnail: false });
      expect(info).toMatchObject({ width: 160, height: 120, seconds: 2, mimetype: 'video/mp4' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
