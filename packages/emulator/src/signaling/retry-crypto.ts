import { decryptMediaRetry, encryptMediaRetry } from '@wa-media/crypto';

// The phone's side of the media-retry GCM (docs/protocol.md §2), over @wa-media/crypto.

/** Seals a `MediaRetryNotification` for the requester (random 12-byte iv). */
export function sealRetryPayload(
  mediaKey: Uint8Array,
  msgId: string,
  plaintext: Uint8Array,
): { ciphertext: Uint8Array; iv: Uint8Array } {
  return encryptMediaRetry({ mediaKey, messageId: msgId, plaintext });
}

/** Opens the requester's `ServerErrorReceipt`; undefined when key, id, iv or bytes are wrong. */
export function openRetryPayload(
  mediaKey: Uint8Array,
  msgId: string,
  ciphertext: Uint8Array,
  iv: Uint8Array,
): Uint8Array | undefined {
  try {
    return decryptMediaRetry({ mediaKey, messageId: msgId, ciphertext, iv });
  } catch {
    return undefined;
  }
}
