// Hostile bytes: garbage and damaged real files give a valid description or a typed error,
// never a crash or a hang (each call is bounded in time).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeMedia, type MediaKind } from './describe.js';
import { isMediaInfoError } from './errors.js';
import { fixtureBytes } from './test-support/fixtures.js';

const KINDS: MediaKind[] = ['image', 'sticker', 'video', 'gif', 'ptv', 'audio', 'ptt', 'document'];
const FIXTURES = [
  'photo.jpg',
  'tiny.png',
  'sticker.webp',
  'animated.webp',
  'faststart.mp4',
  'video.webm',
  'voice.ogg',
  'song.mp3',
  'document.pdf',
].map(fixtureBytes);
/** Per call; real describes of these files take milliseconds. */
const CALL_LIMIT_MS = 5_000;

async function outcome(bytes: Uint8Array, kind: MediaKind): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('describeMedia hung')), CALL_LIMIT_MS);
  });
  try {
    // No ffmpeg here: spawning it per case would only measure ffmpeg.
    const info = await Promise.race([
      describeMedia(bytes, kind, { ffmpegPath: '/nonexistent/ffmpeg' }),
      hang,
    ]);
    expect(typeof info.mimetype).toBe('string');
    expect(Array.isArray(info.warnings)).toBe(true);
    for (const field of ['width', 'height', 'seconds', 'pageCount'] as const) {
      const value = info[field];
      if (value !== undefined) expect(Number.isSafeInteger(value) && value > 0).toBe(true);
    }
    if (info.waveform !== undefined) {
      expect(info.waveform).toHaveLength(64);
      expect(Math.max(...info.waveform)).toBeLessThanOrEqual(100);
    }
    if (info.jpegThumbnail !== undefined)
      expect(info.jpegThumbnail.length).toBeLessThanOrEqual(32 * 1024);
  } catch (error) {
    if (!isMediaInfoError(error)) throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A real file with some bytes overwritten and perhaps cut short. */
const damaged = fc
  .record({
    file: fc.constantFrom(...FIXTURES),
    edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
  })
  .map(({ file, edits, cut }) => {
    const bytes = file.slice(0, cut === undefined ? file.length : cut % (file.length + 1));
    for (const [at, value] of edits) if (bytes.length > 0) bytes[at % bytes.length] = value;
    return bytes;
  });

describe('describeMedia on hostile bytes', () => {
  it('random bytes: a typed error or a valid description', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...KINDS), outcome),
      { numRuns: 150 },
    );
  });

  it('damaged real files: a typed error or a valid description', async () => {
    await fc.assert(fc.asyncProperty(damaged, fc.constantFrom(...KINDS), outcome), {
      numRuns: 250,
    });
  });
});
