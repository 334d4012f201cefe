// Audio duration of formats other than Ogg (MP3, M4A, WAV, FLAC, …) through music-metadata,
// which reads the file (or bytes) itself, streaming.

import { UnreadableMediaError } from '../errors.js';
import { loadOptional } from '../optional.js';
import type { MediaBytes } from '../source.js';

interface MusicMetadataModule {
  parseFile(
    path: string,
    options: { duration: boolean; skipCovers: boolean },
  ): Promise<{ format: { duration?: number } }>;
  parseBuffer(
    bytes: Uint8Array,
    fileInfo: { mimeType?: string; size?: number } | string | undefined,
    options: { duration: boolean; skipCovers: boolean },
  ): Promise<{ format: { duration?: number } }>;
}

/**
 * The duration in seconds, or `undefined` when the file does not say.
 * @throws {MissingDependencyError} when music-metadata is not installed.
 * @throws {UnreadableMediaError} when music-metadata cannot parse the file.
 */
export async function readAudioDuration(
  media: MediaBytes,
  mimetype: string,
): Promise<number | undefined> {
  const musicMetadata = await loadOptional<MusicMetadataModule>('music-metadata', 'Audio duration');
  const options = { duration: true, skipCovers: true };
  try {
    const { format } =
      media.bytes !== undefined
        ? await musicMetadata.parseBuffer(
            media.bytes,
            { mimeType: mimetype, size: media.size },
            options,
          )
        : await musicMetadata.parseFile(await media.path(), options);
    const duration = format.duration;
    return duration !== undefined && Number.isFinite(duration) && duration > 0
      ? duration
      : undefined;
  } catch (error) {
    throw new UnreadableMediaError('The audio file cannot be parsed', error);
  }
}
