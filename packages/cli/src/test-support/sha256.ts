import { createHash } from 'node:crypto';

/** Base64 SHA-256, as the CLI prints `fileSha256` / `fileEncSha256`. */
export const sha256 = (bytes: Uint8Array): string =>
  createHash('sha256').update(bytes).digest('base64');
