// Where an S3 blob store lives: the `s3://bucket/prefix` URL parsed and checked, with the
// connection options (endpoint, region, path-style, credentials) documented for callers.

import { InvalidMediaInputError } from '../errors.js';

/** Static S3 credentials (secrets: never logged). */
export interface S3Credentials {
  /** The access key id. */
  accessKeyId: string;
  /** The secret access key. */
  secretAccessKey: string;
  /** A session token, with temporary credentials. */
  sessionToken?: string;
}

/** Connection settings of an S3-compatible bucket (unset ones come from the SDK's sources). */
export interface S3BlobOptions {
  /**
   * Endpoint of an S3-compatible service (MinIO, R2, …).
   * @default the AWS endpoint of `region` (or AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL)
   * @example 'http://minio.internal:9000'
   */
  endpoint?: string;
  /** Region. @default AWS_REGION, else 'us-east-1' */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most self-hosted services need. @default false */
  forcePathStyle?: boolean;
  /**
   * Static credentials.
   * @default the SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles)
   */
  credentials?: S3Credentials;
  /**
   * Temporary upload keys older than this are removed on start (a node died mid-upload).
   * @default 3600000 (1 hour)
   */
  orphanAgeMs?: number;
}

/** A bucket and a key prefix (empty or ending in `/`). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

/**
 * Parses `s3://bucket/prefix`.
 * @throws {InvalidMediaInputError} naming `name` for anything else.
 */
export function parseS3Url(value: string, name: string): S3Location {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(value);
  const rawPrefix = match?.[2] ?? '';
  if (match === null || rawPrefix.length > 512 || /(^|\/)\.\.?(\/|$)|\/\//.test(rawPrefix)) {
    throw new InvalidMediaInputError(name, "must be a URL such as 's3://bucket/prefix'");
  }
  const prefix = rawPrefix === '' || rawPrefix.endsWith('/') ? rawPrefix : `${rawPrefix}/`;
  return { bucket: match[1] as string, prefix };
}
