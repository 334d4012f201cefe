// Helpers shared by the test suites (not built, not published).
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nobleBackend } from '../backend/noble.js';
import { nodeBackend } from '../backend/node.js';
import type { CryptoBackend } from '../backend/types.js';

/** Every backend: suites run once per entry and must give identical bytes. */
export const backends: readonly [string, CryptoBackend][] = [
  ['node', nodeBackend],
  ['noble', nobleBackend],
];

/** The repository's `vectors/` folder (known-answer data, each folder with its source). */
const vectorsDir = fileURLToPath(new URL('../../../../vectors/', import.meta.url));

/** A file from the repository's `vectors/` folder. */
export function vector(...parts: string[]): Uint8Array {
  return new Uint8Array(readFileSync(join(vectorsDir, ...parts)));
}

export const hex = (text: string): Uint8Array =>
  new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'hex'));
export const b64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));
export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Concatenate chunks (test-side, independent of the library's helper). */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

/** Split `data` at the given cut points (sorted, deduplicated, clipped). */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((cut) => Math.min(Math.max(cut, 0), data.length)))].sort(
    (a, b) => a - b,
  );
  const pieces: Uint8Array[] = [];
  let previous = 0;
  for (const point of [...points, data.length]) {
    pieces.push(data.subarray(previous, point));
    previous = point;
  }
  return pieces;
}

/** Deterministic pseudo-random bytes (xorshift), fast enough for several MiB. */
export function pseudoRandomBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

const infos: Record<string, string> = {
  image: 'WhatsApp Image Keys',
  video: 'WhatsApp Video Keys',
  audio: 'WhatsApp Audio Keys',
  document: 'WhatsApp Document Keys',
};

/**
 * The media format written out directly with node:crypto, no library code: the cross-check
 * reference for encryption (docs/protocol.md §2).
 */
export function referenceEncrypt(
  plaintext: Uint8Array,
  mediaKey: Uint8Array,
  type: 'image' | 'video' | 'audio' | 'document',
): {
  data: Uint8Array;
  fileSha256: Uint8Array;
  fileEncSha256: Uint8Array;
  iv: Uint8Array;
  macKey: Uint8Array;
} {
  const expanded = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(32), infos[type]!, 112));
  const iv = expanded.subarray(0, 16);
  const cipherKey = expanded.subarray(16, 48);
  const macKey = expanded.subarray(48, 80);
  const cipher = createCipheriv('aes-256-cbc', cipherKey, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', macKey).update(iv).update(ciphertext).digest().subarray(0, 10);
  const data = Buffer.concat([ciphertext, mac]);
  return {
    data: new Uint8Array(data),
    fileSha256: new Uint8Array(createHash('sha256').update(plaintext).digest()),
    fileEncSha256: new Uint8Array(createHash('sha256').update(data).digest()),
    iv: new Uint8Array(iv),
    macKey: new Uint8Array(macKey),
  };
}

/** Reference decryption with node:crypto (OpenSSL checks the padding). */
export function referenceDecrypt(
  data: Uint8Array,
  mediaKey: Uint8Array,
  type: 'image' | 'video' | 'audio' | 'document',
): Uint8Array {
  const expanded = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(32), infos[type]!, 112));
  const decipher = createDecipheriv(
    'aes-256-cbc',
    expanded.subarray(16, 48),
    expanded.subarray(0, 16),
  );
  return new Uint8Array(
    Buffer.concat([decipher.update(data.subarray(0, data.length - 10)), decipher.final()]),
  );
}

/** Reference sidecar: HMAC windows over iv ‖ blob, written out directly (docs/protocol.md §2). */
export function referenceSidecar(data: Uint8Array, iv: Uint8Array, macKey: Uint8Array): Uint8Array {
  const s = Buffer.concat([iv, data]);
  const entries: Buffer[] = [];
  for (let n = 0; n * 65536 < s.length; n++) {
    const window = s.subarray(n * 65536, n * 65536 + 65552);
    entries.push(createHmac('sha256', macKey).update(window).digest().subarray(0, 10));
  }
  return new Uint8Array(Buffer.concat(entries));
}
