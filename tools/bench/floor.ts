// The floor of a verified download: the work docs/protocol.md §4 requires (the blob's SHA-256, the
// MAC, AES-256-CBC with its padding check, the plaintext's SHA-256), written as bare as node
// allows — node:http, node:crypto, one thread, no library. Its CPU time is what any
// implementation built on node:crypto must spend, whatever it does with threads; with the
// CDN's CPU time that bounds the wall time on this machine's cores from below. The benchmark
// prints that bound, so a target this machine cannot reach shows up as a measured figure.
import { createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { CDN_HEADERS } from '@wa-media/protocol';

export interface FloorKeys {
  cipherKey: Uint8Array;
  iv: Uint8Array;
  macKey: Uint8Array;
}

export interface FloorExpected {
  fileSha256: Uint8Array;
  fileEncSha256: Uint8Array;
}

const MAC_LENGTH = 10;

/** GETs `url` and checks it exactly as our client does; resolves once every check passed. */
export function bareVerifiedDownload(
  url: string,
  keys: FloorKeys,
  expected: FloorExpected,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: CDN_HEADERS }, (res) => {
      const total = Number(res.headers['content-length']);
      if (res.statusCode !== 200 || !(total >= 26 && (total - MAC_LENGTH) % 16 === 0)) {
        res.resume();
        reject(new Error(`floor: HTTP ${res.statusCode}, length ${total}`));
        return;
      }
      const macStart = total - MAC_LENGTH;
      const blobHash = createHash('sha256');
      const mac = createHmac('sha256', keys.macKey).update(keys.iv);
      const decipher = createDecipheriv('aes-256-cbc', keys.cipherKey, keys.iv);
      const plainHash = createHash('sha256');
      const receivedMac = Buffer.alloc(MAC_LENGTH);
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        blobHash.update(chunk);
        const ciphertextEnd = Math.min(chunk.length, Math.max(0, macStart - received));
        if (ciphertextEnd > 0) {
          const ciphertext = chunk.subarray(0, ciphertextEnd);
          mac.update(ciphertext);
          plainHash.update(decipher.update(ciphertext));
        }
        if (ciphertextEnd < chunk.length) {
          chunk.copy(receivedMac, received + ciphertextEnd - macStart, ciphertextEnd);
        }
        received += chunk.length;
      });
      res.on('error', reject);
      res.on('end', () => {
        try {
          if (received !== total) throw new Error('floor: body cut short');
          if (!timingSafeEqual(blobHash.digest(), expected.fileEncSha256)) {
            throw new Error('floor: fileEncSha256 mismatch');
          }
          const computedMac = mac.digest().subarray(0, MAC_LENGTH);
          if (!timingSafeEqual(computedMac, receivedMac)) throw new Error('floor: MAC mismatch');
          plainHash.update(decipher.final()); // throws on bad PKCS#7 padding
          if (!timingSafeEqual(plainHash.digest(), expected.fileSha256)) {
            throw new Error('floor: fileSha256 mismatch');
          }
          resolve();
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}
