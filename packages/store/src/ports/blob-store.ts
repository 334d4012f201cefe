// The blob port: where verified media bytes live. A local folder implements it for one machine;
// an S3-compatible bucket for many. Bytes become visible only after they verified.

/** A byte range of a stored blob, inclusive (like HTTP `Range: bytes=start-end`). */
export interface BlobRange {
  /** First byte. */
  start: number;
  /** Last byte (inclusive). */
  end: number;
}

/** A stored blob opened for reading. */
export interface BlobReadable {
  /** Size of the whole blob. */
  size: number;
  /** The bytes (of the range, when one was asked for). */
  stream: ReadableStream<Uint8Array>;
}

/**
 * Blob storage. A download is written to a local staging file (`stagingPath`), then `commit`
 * verifies it against the record's SHA-256 and makes it the blob in one step (rename, or
 * upload under a temporary key then copy), so a reader never sees half-written bytes.
 */
export interface BlobStore {
  /** Which backend this is (for logs and metrics). */
  readonly kind: string;
  /** A local file path a download of `id` may write (the client writes temp + rename). */
  stagingPath(id: string): string;
  /**
   * Verifies the staging file of `id` hashes to `sha256`, then makes it the blob.
   * @returns the size stored, or undefined when the staging file is missing or did not verify
   * (it is removed then)
   */
  commit(id: string, sha256: Uint8Array): Promise<number | undefined>;
  /**
   * Checks the stored blob (reuse after a crash, lost-file checks).
   * @returns its size when it exists and hashes to `sha256`, else undefined
   */
  verify(id: string, sha256: Uint8Array): Promise<number | undefined>;
  /**
   * Opens the blob (or `range` of it).
   * @returns undefined when it does not exist
   */
  open(id: string, range?: BlobRange): Promise<BlobReadable | undefined>;
  /** Removes the blob and its staging file; missing ones are fine. */
  delete(id: string): Promise<void>;
  /**
   * Every stored name that is not one of `keep` (staging leftovers, deleted records') goes —
   * only those older than `minAgeMs` when other nodes may be writing right now.
   * @returns the names removed
   */
  sweep(keep: ReadonlySet<string>, minAgeMs?: number): Promise<string[]>;
  /** Ids that have a committed blob. */
  list(): Promise<Set<string>>;
}
