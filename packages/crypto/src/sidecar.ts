import type { HmacKey, HmacSha256 } from './hmac.js';

/** Bytes of S = iv ‖ ciphertext ‖ mac between the starts of two sidecar windows. */
export const SIDECAR_STEP: number = 65536;
/** Bytes of S each sidecar window covers (one step plus one AES block of overlap). */
export const SIDECAR_WINDOW: number = 65536 + 16;
/** Bytes of each sidecar entry (truncated HMAC-SHA256). */
export const SIDECAR_ENTRY: number = 10;

/**
 * Builds a streaming sidecar from S = iv ‖ ciphertext ‖ mac fed in pieces of any size.
 * Holds at most two running HMACs (windows overlap by 16 bytes). Internal.
 */
export class SidecarBuilder {
  readonly #key: HmacKey;
  #position = 0;
  readonly #open: { end: number; mac: HmacSha256 }[] = [];
  readonly #entries: Uint8Array[] = [];

  constructor(key: HmacKey) {
    this.#key = key;
  }

  update(data: Uint8Array): void {
    let index = 0;
    while (index < data.length) {
      const position = this.#position;
      if (position % SIDECAR_STEP === 0) {
        this.#open.push({ end: position + SIDECAR_WINDOW, mac: this.#key.create() });
      }
      let boundary = position - (position % SIDECAR_STEP) + SIDECAR_STEP;
      for (const window of this.#open) boundary = Math.min(boundary, window.end);
      const take = Math.min(data.length - index, boundary - position);
      const piece = data.subarray(index, index + take);
      for (const window of this.#open) window.mac.update(piece);
      index += take;
      this.#position += take;
      while (this.#open[0]?.end === this.#position) {
        this.#entries.push(this.#open.shift()!.mac.digest().subarray(0, SIDECAR_ENTRY));
      }
    }
  }

  /** The sidecar: the entries of every window, the open ones closed at the end of S. */
  finish(): Uint8Array {
    for (const window of this.#open.splice(0)) {
      this.#entries.push(window.mac.digest().subarray(0, SIDECAR_ENTRY));
    }
    const out = new Uint8Array(this.#entries.length * SIDECAR_ENTRY);
    this.#entries.forEach((entry, i) => {
      out.set(entry, i * SIDECAR_ENTRY);
    });
    return out;
  }
}

/** Number of sidecar entries for a blob (ciphertext ‖ mac) of `blobLength` bytes. */
export function sidecarEntryCount(blobLength: number): number {
  return Math.ceil((blobLength + 16) / SIDECAR_STEP);
}
