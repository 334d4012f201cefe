// The S3-compatible BlobStore: a download lands in a local staging file, is verified, streamed
// to a temporary key (multipart, constant memory), checked there, then copied to its final key
// — so a reader never sees a half-written object — and the temporary key is removed.

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobRange, BlobReadable, BlobStore } from '../ports/blob-store.js';
import { hashFile, removeFile } from './blob-files.js';
import type { S3BlobOptions, S3Location } from './s3-location.js';

const stagingSuffix = '.staging';
// Temporary upload keys live beside the blobs, under a name no media id can take.
const uploadsDir = '.uploads/';
const partSize = 8 * 1024 * 1024;
const defaultOrphanAgeMs = 60 * 60 * 1000;

function clientConfig(options: S3BlobOptions): S3ClientConfig {
  return {
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    // The SDK has no default region; without one anywhere, the usual one.
    ...(options.region !== undefined
      ? { region: options.region }
      : process.env.AWS_REGION === undefined && process.env.AWS_DEFAULT_REGION === undefined
        ? { region: 'us-east-1' }
        : {}),
    ...(options.forcePathStyle === undefined ? {} : { forcePathStyle: options.forcePathStyle }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    // Checksums only where S3 requires them: S3-compatible services do not all know the
    // newer checksum headers (integrity is ours: SHA-256 before upload, size after).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Bounded: a bucket that stops answering fails the attempt, which the queue retries.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
    maxAttempts: 3,
  };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** Size of the whole object from `Content-Range: bytes s-e/size`, else its length. */
function totalSize(contentRange: string | undefined, contentLength: number | undefined): number {
  const match = contentRange === undefined ? null : /\/(\d+)$/.exec(contentRange);
  return match === null ? (contentLength ?? 0) : Number(match[1]);
}

/** A {@link BlobStore} in an S3-compatible bucket, staging downloads in `stagingDir`. */
export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #stagingDir: string;
  readonly #orphanAgeMs: number;

  constructor(location: S3Location, stagingDir: string, options: S3BlobOptions = {}) {
    this.#client = new S3Client(clientConfig(options));
    this.#bucket = location.bucket;
    this.#prefix = location.prefix;
    this.#stagingDir = stagingDir;
    this.#orphanAgeMs = options.orphanAgeMs ?? defaultOrphanAgeMs;
  }

  #key(id: string): string {
    return `${this.#prefix}${id}`;
  }

  stagingPath(id: string): string {
    return join(this.#stagingDir, `${id}${stagingSuffix}`);
  }

  async commit(id: string, sha256: Uint8Array): Promise<number | undefined> {
    const staging = this.stagingPath(id);
    const digest = await hashFile(staging);
    if (digest === undefined || !digest.equals(sha256)) {
      await removeFile(staging);
      return undefined;
    }
    const { size } = await stat(staging);
    const temp = `${this.#prefix}${uploadsDir}${id}.${randomBytes(6).toString('hex')}`;
    try {
      await this.#upload(staging, temp, digest.toString('hex'));
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: temp }),
      );
      if (head.ContentLength !== size) {
        throw new Error(`the uploaded object has ${head.ContentLength} bytes, not ${size}`);
      }
      await this.#client.send(
        new CopyObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(id),
          CopySource: `${this.#bucket}/${temp.split('/').map(encodeURIComponent).join('/')}`,
          MetadataDirective: 'COPY',
        }),
      );
    } finally {
      await this.#deleteKey(temp).catch(() => undefined);
    }
    await removeFile(staging);
    return size;
  }

  // Streamed in parts (constant memory); a failed upload aborts its parts.
  async #upload(path: string, key: string, sha256Hex: string): Promise<void> {
    const body = createReadStream(path, { highWaterMark: 256 * 1024 });
    try {
      await new Upload({
        client: this.#client,
        params: {
          Bucket: this.#bucket,
          Key: key,
          Body: body,
          ContentType: 'application/octet-stream',
          Metadata: { sha256: sha256Hex },
        },
        partSize,
        queueSize: 2,
      }).done();
    } finally {
      body.destroy();
    }
  }

  async verify(id: string, sha256: Uint8Array): Promise<number | undefined> {
    try {
      const head = await this.#client.send(
        new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(id) }),
      );
      // Written by commit only after the bytes hashed to it (and their size was checked).
      if (head.Metadata?.sha256 !== Buffer.from(sha256).toString('hex')) return undefined;
      return head.ContentLength;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async open(id: string, range?: BlobRange): Promise<BlobReadable | undefined> {
    try {
      const object = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key(id),
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
        }),
      );
      if (object.Body === undefined) return undefined;
      return {
        size: totalSize(object.ContentRange, object.ContentLength),
        stream: object.Body.transformToWebStream() as ReadableStream<Uint8Array>,
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #deleteKey(key: string): Promise<void> {
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }));
  }

  async delete(id: string): Promise<void> {
    await this.#deleteKey(this.#key(id));
    await removeFile(this.stagingPath(id));
  }

  /** Every key under the prefix with its age, page by page. */
  async *#objects(): AsyncGenerator<{ name: string; ageMs: number }> {
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: this.#prefix,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        const modified = object.LastModified?.getTime() ?? 0;
        yield { name: object.Key.slice(this.#prefix.length), ageMs: Date.now() - modified };
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  async sweep(keep: ReadonlySet<string>, minAgeMs = 0): Promise<string[]> {
    const removed: string[] = [];
    for await (const { name, ageMs } of this.#objects()) {
      // Another node may be uploading right now: only old temporary keys are leftovers.
      const stale = name.startsWith(uploadsDir) ? ageMs >= this.#orphanAgeMs : ageMs >= minAgeMs;
      if ((name.includes('/') && !name.startsWith(uploadsDir)) || keep.has(name) || !stale) {
        continue;
      }
      await this.#deleteKey(`${this.#prefix}${name}`);
      removed.push(name);
    }
    for (const name of await readdir(this.#stagingDir)) {
      const path = join(this.#stagingDir, name);
      const modified = (await stat(path).catch(() => undefined))?.mtimeMs ?? 0;
      if (Date.now() - modified < minAgeMs) continue;
      await removeFile(path);
      removed.push(name);
    }
    return removed;
  }

  async list(): Promise<Set<string>> {
    const ids = new Set<string>();
    for await (const { name } of this.#objects()) {
      if (!name.includes('/') && !name.includes('.')) ids.add(name);
    }
    return ids;
  }

  /** Releases the client's connections. */
  close(): void {
    this.#client.destroy();
  }
}
