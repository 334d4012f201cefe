// `pnpm demo`: the main job end to end on the BUILT packages, with a short report.
// Stage 1 (crypto): encrypt a generated "video" file streaming, decrypt it verified, compare,
// and show that a flipped byte is refused with the right code. Exit code 1 on any failure.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import {
  backendName,
  createDecryptStream,
  createEncryptStream,
  isMediaIntegrityError,
} from '@wa-media/crypto';

const SIZE = 8 * 1024 * 1024 + 123; // a few MiB, deliberately not block-aligned
const results = [];
const dir = await mkdtemp(join(tmpdir(), 'wa-media-demo-'));

function check(name, ok, detail = '') {
  results.push(ok);
  console.log(`  ${ok ? '✓' : '✗'} ${name}${detail ? ` — ${detail}` : ''}`);
}

/** Deterministic pseudo-random bytes with an MP4-like header ("video-like"). */
function sampleVideo(length) {
  const bytes = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  bytes.set([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d], 0); // ....ftypisom
  return bytes;
}

async function pipeFile(input, transform, output) {
  const started = performance.now();
  await Readable.toWeb(createReadStream(input))
    .pipeThrough(transform)
    .pipeTo(Writable.toWeb(createWriteStream(output)));
  return performance.now() - started;
}

const mbps = (bytes, ms) => `${(bytes / 1024 / 1024 / (ms / 1000)).toFixed(0)} MiB/s`;

try {
  console.log(`wa-media demo — crypto (backend: ${backendName})`);
  const original = join(dir, 'sample.mp4');
  const encrypted = join(dir, 'sample.mp4.enc');
  const decrypted = join(dir, 'sample.decrypted.mp4');
  const plaintext = sampleVideo(SIZE);
  await writeFile(original, plaintext);
  console.log(`  sample: ${SIZE.toLocaleString('en')} bytes in ${dir}`);

  const encrypt = createEncryptStream('video');
  const encryptMs = await pipeFile(original, encrypt, encrypted);
  const info = await encrypt.info;
  const blobSize = (await stat(encrypted)).size;
  check(
    'encrypt (streaming)',
    info.encrypted && blobSize === (Math.floor(SIZE / 16) + 1) * 16 + 10,
    `${blobSize.toLocaleString('en')} bytes, ${mbps(SIZE, encryptMs)}, sidecar ${info.streamingSidecar?.length ?? 0} bytes`,
  );

  const options = {
    type: 'video',
    mediaKey: info.mediaKey,
    fileSha256: info.fileSha256,
    fileEncSha256: info.fileEncSha256,
  };
  const decrypt = createDecryptStream(options);
  const decryptMs = await pipeFile(encrypted, decrypt, decrypted);
  const verified = await decrypt.info;
  check('decrypt (streaming, verified)', verified.fileLength === SIZE, mbps(SIZE, decryptMs));

  const roundTrip = await readFile(decrypted);
  check('decrypted bytes equal the original', Buffer.compare(roundTrip, plaintext) === 0);

  // Corrupt one byte in the middle of the blob: the decryptor must refuse it.
  const blob = await readFile(encrypted);
  blob[blob.length >> 1] ^= 0x01;
  const corrupted = join(dir, 'corrupted.enc');
  await writeFile(corrupted, blob);
  for (const [label, opts, expected] of [
    ['with fileEncSha256', options, 'enc-sha256-mismatch'],
    ['without fileEncSha256', { ...options, fileEncSha256: undefined }, 'mac-mismatch'],
  ]) {
    const { fileEncSha256, ...rest } = opts;
    const stream = createDecryptStream(fileEncSha256 ? { ...rest, fileEncSha256 } : rest);
    const error = await pipeFile(corrupted, stream, join(dir, 'corrupted.out')).then(
      () => undefined,
      (e) => e,
    );
    check(
      `flipped byte refused ${label}`,
      isMediaIntegrityError(error) && error.code === expected,
      error ? `code ${error.code ?? error.message}` : 'accepted!',
    );
  }
} catch (error) {
  check('demo ran without an unexpected error', false, String(error?.stack ?? error));
} finally {
  await rm(dir, { recursive: true, force: true });
}

const failed = results.filter((ok) => !ok).length;
console.log(`\n${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
