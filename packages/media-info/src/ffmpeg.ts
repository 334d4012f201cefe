// The first video frame as a JPEG preview, through ffmpeg when it is on PATH. Optional: without
// ffmpeg (or when it fails or takes too long) there is simply no thumbnail.

import { spawn } from 'node:child_process';
import { MAX_THUMBNAIL_BYTES, THUMBNAIL_MAX_SIDE } from './thumbnail.js';

/** Options of {@link videoFrameThumbnail}. */
export interface FfmpegOptions {
  /** The ffmpeg executable. @default 'ffmpeg' (looked up on PATH) */
  ffmpegPath?: string;
  /** ffmpeg is killed after this long. @default 20_000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** ffmpeg's output is cut off past this (a preview is far smaller). */
const MAX_OUTPUT = 1024 * 1024;

function run(
  ffmpeg: string,
  args: string[],
  options: FfmpegOptions,
): Promise<Uint8Array | undefined> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'ignore'], signal: options.signal });
    } catch {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_OUTPUT) child.kill('SIGKILL');
      else chunks.push(chunk);
    });
    // ENOENT (no ffmpeg on PATH), EACCES, abort: no thumbnail.
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(
        code === 0 && length > 0 && length <= MAX_OUTPUT
          ? new Uint8Array(Buffer.concat(chunks))
          : undefined,
      );
    });
  });
}

/**
 * The first frame of the video at `path` as a JPEG, longest side 100 px, at most 32 KiB; or
 * `undefined` when ffmpeg is missing, fails or times out. Never throws.
 */
export async function videoFrameThumbnail(
  path: string,
  options: FfmpegOptions = {},
): Promise<Uint8Array | undefined> {
  const side = THUMBNAIL_MAX_SIDE;
  for (const quality of [5, 10, 20]) {
    const jpeg = await run(
      options.ffmpegPath ?? 'ffmpeg',
      [
        '-nostdin',
        '-hide_banner',
        '-loglevel',
        'error',
        // Local file only: no network protocol, even from inside a playlist-like input.
        '-protocol_whitelist',
        'file',
        '-i',
        `file:${path}`,
        '-map',
        '0:v:0',
        '-frames:v',
        '1',
        '-vf',
        `scale=w=${side}:h=${side}:force_original_aspect_ratio=decrease:force_divisible_by=2`,
        '-f',
        'image2pipe',
        '-c:v',
        'mjpeg',
        '-q:v',
        String(quality),
        'pipe:1',
      ],
      options,
    );
    if (jpeg === undefined) return undefined;
    if (jpeg.length <= MAX_THUMBNAIL_BYTES) return jpeg;
  }
  return undefined;
}
