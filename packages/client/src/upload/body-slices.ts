// Body pieces for the transport, and a byte comparison, shared by the upload's passes.

/**
 * Body pieces handed to the transport: one cipher batch per write means fewer trips through
 * the body stream and fewer socket writes, yet progress, pause and backpressure still act
 * every MiB.
 */
const BODY_SLICE = 1024 * 1024;

/** `bytes` in pieces of at most one {@link BODY_SLICE}. */
export function* slices(bytes: Uint8Array): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += BODY_SLICE) {
    yield bytes.subarray(start, Math.min(bytes.length, start + BODY_SLICE));
  }
}

/** Byte-wise equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
