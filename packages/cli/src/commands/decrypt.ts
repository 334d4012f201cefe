import { createDecryptStream } from '@wa-media/crypto';
import type { CommandSpec } from '../command.js';
import { formatBytes, formatRate, toBase64 } from '../io/bytes.js';
import { createAtomicOutput, openInput } from '../io/files.js';
import {
  FILE_ENC_SHA256_FLAG,
  FILE_SHA256_FLAG,
  hashFlag,
  MEDIA_KEY_FLAG,
  mediaKeyFlag,
  requireEncryptedType,
  TYPE_FLAG,
} from './media-flags.js';
import { pipeWithProgress, rejectJsonWithStdout } from './pipe.js';

/** `wa-media decrypt`: a CDN blob back into the file, verified before it is written. */
export const decryptCommand: CommandSpec = {
  name: 'decrypt',
  summary: 'decrypt and verify WhatsApp media (MAC, padding, hashes), streaming',
  usage: [
    'decrypt --type TYPE --media-key KEY [--file-sha256 HASH] [--file-enc-sha256 HASH] IN OUT',
  ],
  details: [
    'Checks, in order: length, SHA-256 of the blob (--file-enc-sha256), MAC, padding, SHA-256',
    'of the plaintext (--file-sha256). OUT appears only when every check passed: a failed',
    'decrypt exits with code 3 and writes nothing. IN and OUT may be - (stdin / stdout).',
    'For encrypted media only: a newsletter or product-catalog-image blob is the file itself',
    '(`wa-media download` checks it by SHA-256).',
  ],
  flags: {
    type: TYPE_FLAG,
    'media-key': MEDIA_KEY_FLAG,
    'file-sha256': FILE_SHA256_FLAG,
    'file-enc-sha256': FILE_ENC_SHA256_FLAG,
  },
  positionals: { min: 2, max: 2 },
  examples: ['wa-media decrypt --type image --media-key "$KEY" photo.enc photo.jpg'],
  async run(context) {
    const [input = '', output = ''] = context.positionals;
    rejectJsonWithStdout(context, output);
    const type = requireEncryptedType(context, 'decrypt');
    const mediaKey = mediaKeyFlag(context, true);
    const fileSha256 = hashFlag(context, 'file-sha256');
    const fileEncSha256 = hashFlag(context, 'file-enc-sha256');
    const source = await openInput('IN', input, context.std);
    const target = await createAtomicOutput('OUT', output, context.std).catch(
      async (error: unknown) => {
        await source.stream.cancel(); // close the input file: nothing will read it
        throw error;
      },
    );
    const decrypt = createDecryptStream({
      type,
      mediaKey,
      ...(fileSha256 === undefined ? {} : { fileSha256 }),
      ...(fileEncSha256 === undefined ? {} : { fileEncSha256 }),
    });
    try {
      const started = performance.now();
      await pipeWithProgress(context, 'decrypt', source, decrypt, target.writable);
      const info = await decrypt.info;
      await target.commit();
      const ms = performance.now() - started;
      context.out.result(
        [
          `decrypted and verified ${formatBytes(info.fileLength)} (${formatRate(info.fileLength, ms)})`,
          `fileSha256:    ${toBase64(info.fileSha256)}`,
          `fileEncSha256: ${toBase64(info.fileEncSha256)}`,
        ],
        {
          type,
          fileSha256: toBase64(info.fileSha256),
          fileEncSha256: toBase64(info.fileEncSha256),
          fileLength: info.fileLength,
        },
        { stdoutTaken: output === '-' },
      );
    } catch (error) {
      // Nothing unverified stays behind: the temp file goes, OUT never appears.
      await target.discard();
      throw error;
    }
  },
};
