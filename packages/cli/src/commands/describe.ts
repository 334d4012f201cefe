// `wa-media describe FILE`: what a media message needs to look right (dimensions, duration,
// preview, waveform, page count, the real mimetype), read from the file by @wa-media/media-info.

import { open } from 'node:fs/promises';
// Types only here: media-info is imported when a command runs, so other commands start as fast.
import type { MediaDescription, MediaKind } from '@wa-media/media-info';
import { type CommandSpec, type FlagSpec, stringFlag } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { formatBytes, toBase64 } from '../io/bytes.js';
import { checkInputFile } from '../io/files.js';

const KINDS: readonly MediaKind[] = [
  'image',
  'sticker',
  'video',
  'gif',
  'ptv',
  'audio',
  'ptt',
  'document',
];

/** The flag shared by `describe --kind` and `upload --describe --kind`. */
export const KIND_FLAG: FlagSpec = {
  type: 'string',
  value: 'KIND',
  description: `message kind: ${KINDS.join(', ')} (default: from the content)`,
};

/** `--kind`, or the kind the content's mimetype suggests. */
export async function kindFor(
  flags: Readonly<Record<string, unknown>>,
  path: string,
): Promise<MediaKind> {
  const given = flags.kind;
  if (typeof given === 'string') {
    if (!(KINDS as readonly string[]).includes(given)) {
      throw new UsageError(`--kind must be one of ${KINDS.join(', ')}`);
    }
    return given as MediaKind;
  }
  const handle = await open(path, 'r');
  const head = new Uint8Array(4100);
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }
  const { sniffMimetype } = await loadMediaInfo();
  const family = (await sniffMimetype(head))?.split('/')[0];
  return family === 'image' || family === 'video' || family === 'audio' ? family : 'document';
}

/** `--kind` when given. @throws {UsageError} for an unknown kind. */
export function kindFlag(flags: Readonly<Record<string, unknown>>): MediaKind | undefined {
  const given = flags.kind;
  if (given === undefined) return undefined;
  if (typeof given !== 'string' || !(KINDS as readonly string[]).includes(given)) {
    throw new UsageError(`--kind must be one of ${KINDS.join(', ')}`);
  }
  return given as MediaKind;
}

/** @wa-media/media-info, loaded on first use. */
export function loadMediaInfo(): Promise<typeof import('@wa-media/media-info')> {
  return import('@wa-media/media-info');
}

/** Media-info's errors as the CLI's: a missing package is "not available", bad media usage. */
export function asCliError(error: unknown): unknown {
  const { name, code, message } = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
  };
  const isMediaInfoError =
    error instanceof Error &&
    ['MediaInfoError', 'MissingDependencyError', 'UnreadableMediaError'].includes(String(name));
  if (!isMediaInfoError || typeof code !== 'string' || typeof message !== 'string') return error;
  if (code === 'missing-dependency')
    return new CliError('notAvailable', message, { cause: error, code });
  if (code === 'aborted') return new CliError('interrupted', message, { cause: error });
  return new UsageError(message, { cause: error, code });
}

/** The JSON shape of a description (bytes as base64, the waveform as numbers). */
export function descriptionJson(info: MediaDescription): Record<string, unknown> {
  return {
    ...info,
    ...(info.jpegThumbnail === undefined ? {} : { jpegThumbnail: toBase64(info.jpegThumbnail) }),
    ...(info.waveform === undefined ? {} : { waveform: Array.from(info.waveform) }),
  };
}

/** Human lines of a description. */
export function descriptionLines(info: MediaDescription): string[] {
  return [
    `mimetype:      ${info.mimetype}`,
    ...(info.width === undefined ? [] : [`size:          ${info.width}×${info.height}`]),
    ...(info.duration === undefined
      ? []
      : [`duration:      ${info.duration.toFixed(2)} s (seconds: ${info.seconds})`]),
    ...(info.animated === undefined ? [] : [`animated:      ${info.animated}`]),
    ...(info.pageCount === undefined ? [] : [`pages:         ${info.pageCount}`]),
    ...(info.jpegThumbnail === undefined
      ? []
      : [`preview:       JPEG, ${formatBytes(info.jpegThumbnail.length)}`]),
    ...(info.waveform === undefined
      ? []
      : [`waveform:      ${Array.from(info.waveform).join(',')}`]),
    ...info.warnings.map((warning) => `warning:       ${warning}`),
  ];
}

/** `wa-media describe`: the message fields of a media file. */
export const describeCommand: CommandSpec = {
  name: 'describe',
  summary: 'read dimensions, duration, preview, waveform and page count of a media file',
  usage: ['describe [--kind KIND] [--mimetype TYPE] [--no-preview] FILE'],
  details: [
    'Reads what a WhatsApp message needs to look right from the file itself: width and height,',
    'duration (seconds), a JPEG preview (≤ 32 KiB, longest side 32–100 px; video previews need',
    'ffmpeg on PATH), the voice-note waveform (--kind ptt, Ogg Opus), PDF page count, the',
    'sticker animation flag, and the mimetype sniffed from the content (a warning when it is',
    'not --mimetype). --json prints the preview as base64 and the waveform as 64 numbers.',
  ],
  flags: {
    kind: KIND_FLAG,
    mimetype: {
      type: 'string',
      value: 'TYPE',
      description: 'the mimetype you expect (warns when wrong)',
    },
    'no-preview': { type: 'boolean', description: 'skip the JPEG preview' },
  },
  positionals: { min: 1, max: 1 },
  examples: ['wa-media describe photo.jpg', 'wa-media describe --kind ptt --json note.ogg'],
  async run(context) {
    const [input = ''] = context.positionals;
    await checkInputFile('FILE', input);
    const kind = await kindFor(context.flags, input);
    const mimetype = stringFlag(context, 'mimetype');
    const { describeMedia } = await loadMediaInfo();
    const info = await describeMedia(input, kind, {
      signal: context.signal,
      ...(mimetype === undefined ? {} : { mimetype }),
      ...(context.flags['no-preview'] === true ? { thumbnail: false } : {}),
    }).catch((error: unknown) => {
      throw asCliError(error);
    });
    context.out.result(descriptionLines(info), { kind, ...descriptionJson(info) });
  },
};
