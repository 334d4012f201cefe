// `wa-media upload --describe`: the upload with what the message needs beside it (preview,
// dimensions, duration, waveform, page count) and, for image, video and documents, the preview
// uploaded as a server-hosted thumbnail (client's uploadWithPreview).

import {
  type MediaClient,
  type PreviewedUpload,
  type UploadOptions,
  type UploadSource,
  uploadWithPreview,
} from '@wa-media/client';
import { tempFileSpool } from '@wa-media/client/node';
import type { MediaType } from '@wa-media/crypto';
import type { MediaDescription } from '@wa-media/media-info';
import type { CommandContext, FlagSpec } from '../command.js';
import { toBase64 } from '../io/bytes.js';
import {
  asCliError,
  descriptionJson,
  descriptionLines,
  KIND_FLAG,
  kindFlag,
  loadMediaInfo,
} from './describe.js';
import { awaitTransfer } from './transfer.js';

/** The flags `upload` takes for this. */
export const describeFlags: Readonly<Record<string, FlagSpec>> = {
  describe: {
    type: 'boolean',
    description:
      'also read preview, size, duration, waveform, pages; upload the preview as thumbnail',
  },
  kind: { ...KIND_FLAG, description: `with --describe: ${KIND_FLAG.description}` },
};

/** What the upload command prints beside the upload. */
export interface DescribedUploadOutput {
  result: PreviewedUpload;
  json: Record<string, unknown>;
  lines: string[];
}

/**
 * Uploads `source` with its description; `input` is the file path (`-` for stdin, then spooled).
 * @throws {CliError} media-info's errors mapped (a missing optional package: exit 8).
 */
export async function uploadDescribed(
  context: CommandContext,
  client: MediaClient,
  input: string,
  source: UploadSource,
  type: MediaType,
  options: UploadOptions,
): Promise<DescribedUploadOutput> {
  const kind = kindFlag(context.flags);
  const { describeMedia } = await loadMediaInfo();
  const result = await uploadWithPreview(
    // Each upload (media, then thumbnail) with the command's progress and Ctrl-C handling.
    { upload: (s, t, o) => awaitTransfer(context, 'upload', client.upload(s, t, o)) },
    source,
    type,
    {
      ...options,
      ...(kind === undefined ? {} : { kind }),
      spool: tempFileSpool(),
      signal: context.signal,
      describe: (spooled, k, o) =>
        describeMedia(input === '-' ? spooled : input, k, o).catch((error: unknown) => {
          throw asCliError(error);
        }),
    },
  );
  const info = result.preview as MediaDescription;
  const thumbnail = result.thumbnail;
  return {
    result,
    json: {
      preview: descriptionJson(info),
      ...(thumbnail === undefined
        ? {}
        : {
            thumbnailDirectPath: thumbnail.directPath,
            thumbnailSha256: toBase64(thumbnail.sha256),
            ...(thumbnail.encSha256 === undefined
              ? {}
              : { thumbnailEncSha256: toBase64(thumbnail.encSha256) }),
          }),
    },
    lines: [
      ...descriptionLines(info),
      ...(thumbnail === undefined ? [] : [`thumbnail:     ${thumbnail.directPath}`]),
    ],
  };
}
