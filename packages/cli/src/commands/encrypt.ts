import { createEncryptStream, generateMediaKey } from '@wa-media/crypto';
import type { CommandSpec } from '../command.js';
import { formatBytes, formatRate, toBase64 } from '../io/bytes.js';
import { createAtomicOutput, openInput } from '../io/files.js';
import { MEDIA_KEY_FLAG, mediaKeyFlag, requireEncryptedType, TYPE_FLAG } from './media-flags.js';
import { pipeWithProgress, rejectJsonWithStdout } from './pipe.js';

/** `wa-media encrypt`: a file into the blob WhatsApp's CDN stores (ciphertext ‖ mac). */
export const encryptCommand: CommandSpec = {
  name: 'encrypt',
  summary: 'encrypt a file as WhatsApp media (AES-256-CBC + HMAC), streaming',
  usage: ['encrypt --type TYPE [--media-key KEY] IN OUT'],
  details: [
    'IN and OUT may be - (stdin / stdout). OUT is written to a temp file and renamed when done.',
    'Without --media-key a fresh key is generated; it is printed with the hashes (the result',
    'a message needs). Keep it secret: whoever has it can decrypt the media.',
    'For encrypted media only: newsletter media and product-catalog-image are sent as they are',
    '(`wa-media upload --unencrypted`), so there is nothing to encrypt (exit 2).',
  ],
  flags: {
    type: TYPE_FLAG,
    'media-key': {
      ...MEDIA_KEY_FLAG,
      description: 'use this 32-byte key, base64 (default: a new random key)',
    },
  },
  positionals: { min: 2, max: 2 },
  examples: [
    'wa-media encrypt --type image photo.jpg photo.enc',
    'wa-media encrypt --type video --json clip.mp4 clip.enc > clip.json',
  ],
  async run(context) {
    const [input = '', output = ''] = context.positionals;
    rejectJsonWithStdout(context, output);
    const type = requireEncryptedType(context, 'encrypt');
    const mediaKey = mediaKeyFlag(context, false) ?? generateMediaKey();
    const source = await openInput('IN', input, context.std);
    const target = await createAtomicOutput('OUT', output, context.std).catch(
      async (error: unknown) => {
        await source.stream.cancel(); // close the input file: nothing will read it
        throw error;
      },
    );
    const encrypt = createEncryptStream(type, { mediaKey });
    try {
      const started = performance.now();
      await pipeWithProgress(context, 'encrypt', source, encrypt, target.writable);
      const info = await encrypt.info;
      await target.commit();
      const ms = performance.now() - started;
      const blobLength = encrypt.encryptor.bytesOut;
      const data: Record<string, unknown> = {
        type,
        mediaKey: info.mediaKey === undefined ? null : toBase64(info.mediaKey),
        fileSha256: toBase64(info.fileSha256),
        fileEncSha256: toBase64(info.fileEncSha256),
        fileLength: info.fileLength,
        encryptedLength: blobLength,
        ...(info.streamingSidecar === undefined
          ? {}
          : { streamingSidecar: toBase64(info.streamingSidecar) }),
      };
      const lines = [
        `encrypted ${formatBytes(info.fileLength)} → ${formatBytes(blobLength)} (${formatRate(info.fileLength, ms)})`,
        `type:          ${type}`,
        `mediaKey:      ${data.mediaKey ?? '(none: this type is not encrypted)'}`,
        `fileSha256:    ${data.fileSha256}`,
        `fileEncSha256: ${data.fileEncSha256}`,
        `fileLength:    ${info.fileLength}`,
      ];
      if (info.streamingSidecar !== undefined) {
        lines.push(`sidecar:       ${info.streamingSidecar.length} bytes (in --json output)`);
      }
      context.out.result(lines, data, { stdoutTaken: output === '-' });
    } catch (error) {
      await target.discard();
      throw error;
    }
  },
};
