// Download media from its raw fields: what you stored from a message (or got from another
// service) as strings — directPath, mediaKey, fileEncSha256, fileSha256 (base64) and
// fileLength. The file appears only once every check passed (SHA-256 of the blob, MAC,
// padding, SHA-256 of the plaintext); a failed download leaves nothing behind.
//
// Against the emulator (`wa-media emulator` prints its control URL and token):
//   WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… pnpm exec tsx download-by-params.ts params.json out.bin
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ClientArgumentError, type DownloadParams } from '@wa-media/client';
import { createNodeMediaClient } from '@wa-media/client/node';
import { connectEmulatorSignaling } from '@wa-media/emulator';

/** Media fields as text, the way they are usually kept (JSON, a database row). */
export interface RawMediaParams {
  /** crypto's media type: `image`, `video`, `audio`, `document`, `sticker`, … */
  type: DownloadParams['type'];
  directPath: string;
  /** Base64 (standard or URL-safe) of the 32-byte media key. */
  mediaKey: string;
  /** Base64 of the SHA-256 of the encrypted blob. */
  fileEncSha256: string;
  /** Base64 of the SHA-256 of the plaintext. */
  fileSha256: string;
  fileLength: number;
}

export interface DownloadByParamsOptions {
  emulator: { url: string; token: string };
  params: RawMediaParams;
  /** Where the verified file goes (written to a temp name beside it, then renamed). */
  outPath: string;
}

/** The raw fields as the client takes them; refuses a field of the wrong size by name. */
export function toDownloadParams(raw: RawMediaParams): DownloadParams {
  const bytes = (name: keyof RawMediaParams, length: number): Uint8Array => {
    const decoded = Buffer.from(String(raw[name]), 'base64');
    if (decoded.length !== length) {
      throw new ClientArgumentError(name, `must be ${length} bytes in base64`);
    }
    return new Uint8Array(decoded);
  };
  return {
    type: raw.type,
    directPath: raw.directPath,
    mediaKey: bytes('mediaKey', 32),
    fileEncSha256: bytes('fileEncSha256', 32),
    fileSha256: bytes('fileSha256', 32),
    fileLength: raw.fileLength,
  };
}

export async function main(options: DownloadByParamsOptions): Promise<{ bytes: number }> {
  const params = toDownloadParams(options.params);
  const signaling = await connectEmulatorSignaling(options.emulator.url, {
    token: options.emulator.token,
    ownJid: '15550001111:2@s.whatsapp.net',
  });
  // Downloads need no login: without signalling the client uses WhatsApp's default hosts. The
  // emulator's hosts come from its media_conn, over plain HTTP.
  const client = createNodeMediaClient({
    signaling,
    cdn: { scheme: 'http', allowPrivateAddresses: true },
  });
  try {
    await client.downloadToFile(params, options.outPath);
    return { bytes: (await stat(options.outPath)).size };
  } finally {
    client.close();
    signaling.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [paramsFile, outPath] = process.argv.slice(2);
  const url = process.env.WA_MEDIA_EMULATOR_URL;
  const token = process.env.WA_MEDIA_EMULATOR_TOKEN;
  if (paramsFile === undefined || outPath === undefined || url === undefined || !token) {
    console.error(
      'usage: WA_MEDIA_EMULATOR_URL=… WA_MEDIA_EMULATOR_TOKEN=… tsx download-by-params.ts PARAMS.json OUT',
    );
    process.exit(2);
  }
  const params = JSON.parse(await readFile(paramsFile, 'utf8')) as RawMediaParams;
  const { bytes } = await main({ emulator: { url, token }, params, outPath });
  console.log(`${outPath}: ${bytes} bytes, verified`);
}
