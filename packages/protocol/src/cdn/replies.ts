// Parsing the CDN's JSON answers: the upload reply (url, direct path, handle, thumbnail info) and
// the resumable-upload probe.

import { UploadReplyError } from '../errors.js';
import { base64Decode } from '../internal/base64url.js';

/** A successful upload reply. `url` and `directPath` are signed: do not log them. */
export interface UploadReply {
  /** Full URL of the stored blob (`https://mmg.whatsapp.net/…`). */
  url: string;
  /** Path + signed query of the stored blob: what a media message's `directPath` carries. */
  directPath: string;
  /** Newsletter media: sent as the message's media id. */
  handle?: string;
  /** Server-side object id, when the CDN sends one. */
  objectId?: string;
  /** The CDN's HMAC over the object's metadata, when sent (passed through, not checked). */
  metaHmac?: string;
  /** Server timestamp of the upload, when sent. */
  ts?: number;
  /** Facebook object id, when sent. */
  fbid?: string;
  /**
   * Newsletter uploads with `server_thumb_gen=1`: the thumbnail the CDN made
   * (`thumbnail_info: { thumbnail_direct_path, thumbnail_sha256 }`, an object or a JSON string).
   */
  thumbnailInfo?: ServerThumbnailInfo;
}

/** Where the CDN put the thumbnail it made (the message's `thumbnailDirectPath` / `…Sha256`). */
export interface ServerThumbnailInfo {
  /** Starts with `/`; signed: do not log. */
  directPath: string;
  /** SHA-256 of the thumbnail (32 bytes). */
  sha256: Uint8Array;
}

/** Outcome of a resume probe (`POST …&resume=1`), see {@link parseResumeProbe}. */
export type ResumeProbeResult =
  | ({
      /** The CDN has the whole blob: the reply fields follow. */
      kind: 'complete';
    } & UploadReply)
  | {
      /** The CDN kept part of the blob. */
      kind: 'resume';
      /** Bytes the CDN kept: continue with `file_offset` = this. */
      offset: number;
    }
  | {
      /** The CDN knows nothing of this upload: start over. */
      kind: 'not-found';
    };

const decoder = new TextDecoder('utf-8', { fatal: true });

function toObject(json: unknown): Record<string, unknown> | undefined {
  let value = json;
  if (value instanceof Uint8Array) {
    try {
      value = decoder.decode(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function optionalString(
  object: Record<string, unknown>,
  key: string,
  allowNumber: boolean,
): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (allowNumber && typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new UploadReplyError(`upload reply field "${key}" has the wrong type`);
}

/**
 * `thumbnail_info` when well-formed, else `undefined`: the server's thumbnail is a hint, so a
 * malformed one is dropped rather than failing an upload that succeeded.
 */
function readThumbnailInfo(value: unknown): ServerThumbnailInfo | undefined {
  const info = toObject(value);
  const directPath = info?.thumbnail_direct_path;
  const sha256 = info?.thumbnail_sha256;
  if (typeof directPath !== 'string' || !directPath.startsWith('/') || directPath.length > 4096) {
    return undefined;
  }
  const bytes =
    typeof sha256 === 'string' && sha256.length <= 64 ? base64Decode(sha256) : undefined;
  return bytes?.length === 32 ? { directPath, sha256: bytes } : undefined;
}

function readUploadReply(object: Record<string, unknown>): UploadReply {
  const { url, direct_path: directPath } = object;
  if (typeof url !== 'string' || url === '') {
    throw new UploadReplyError('upload reply has no "url" string');
  }
  if (typeof directPath !== 'string' || !directPath.startsWith('/')) {
    throw new UploadReplyError('upload reply has no "direct_path" string starting with "/"');
  }
  const reply: UploadReply = { url, directPath };
  const handle = optionalString(object, 'handle', false);
  const objectId = optionalString(object, 'object_id', true);
  const metaHmac = optionalString(object, 'meta_hmac', false);
  const fbid = optionalString(object, 'fbid', true);
  const tsText = optionalString(object, 'ts', true);
  if (handle !== undefined) reply.handle = handle;
  const thumbnailInfo = readThumbnailInfo(object.thumbnail_info);
  if (thumbnailInfo !== undefined) reply.thumbnailInfo = thumbnailInfo;
  if (objectId !== undefined) reply.objectId = objectId;
  if (metaHmac !== undefined) reply.metaHmac = metaHmac;
  if (fbid !== undefined) reply.fbid = fbid;
  if (tsText !== undefined) {
    const ts = Number(tsText);
    if (!Number.isSafeInteger(ts))
      throw new UploadReplyError('upload reply field "ts" is not an integer');
    reply.ts = ts;
  }
  return reply;
}

/**
 * Parse the CDN's JSON reply to an upload: `{ url, direct_path, handle?, object_id?,
 * meta_hmac?, ts?, fbid? }`. Accepts the parsed JSON, the body text or the body bytes.
 * @throws {UploadReplyError} when the body is not a JSON object, `url` or `direct_path` is
 * missing, or an optional field has the wrong type. The body is never quoted.
 */
export function parseUploadReply(json: unknown): UploadReply {
  const object = toObject(json);
  if (object === undefined) throw new UploadReplyError('upload reply is not a JSON object');
  return readUploadReply(object);
}

/**
 * Interpret the reply to a resume probe exactly as docs/protocol.md §4 says:
 * `{"resume":"complete","url","direct_path"}` → complete (nothing to upload);
 * `{"resume":"<decimal offset>"}` with `0 < offset < total` → resume from offset;
 * anything else (non-2xx status, other JSON, unparsable body) → not-found, i.e. upload in full.
 * Never throws: the probe is never fatal.
 * @param status HTTP status of the probe.
 * @param json the reply body (parsed JSON, text or bytes).
 * @param total length of the whole blob in bytes. When given, an offset must be below it (and a
 *   `total` that is not a positive safe integer makes every offset not-found); when omitted (the
 *   two-argument form), any positive safe-integer offset resumes and the caller must still check it
 *   against the blob length before slicing.
 * @example
 * parseResumeProbe(200, '{"resume":"1048576"}', blob.byteLength); // { kind: 'resume', offset: 1048576 }
 * parseResumeProbe(404, '');                                        // { kind: 'not-found' }
 */
export function parseResumeProbe(status: number, json: unknown, total?: number): ResumeProbeResult {
  if (!Number.isInteger(status) || status < 200 || status > 299) return { kind: 'not-found' };
  const object = toObject(json);
  const resume = object?.resume;
  if (object === undefined || resume === undefined) return { kind: 'not-found' };
  if (resume === 'complete') {
    try {
      return { kind: 'complete', ...readUploadReply(object) };
    } catch {
      return { kind: 'not-found' };
    }
  }
  const offset =
    typeof resume === 'string' && /^\d{1,16}$/.test(resume)
      ? Number(resume)
      : typeof resume === 'number'
        ? resume
        : Number.NaN;
  const belowTotal =
    total === undefined || (Number.isSafeInteger(total) && total > 0 && offset < total);
  if (Number.isSafeInteger(offset) && offset > 0 && belowTotal) {
    return { kind: 'resume', offset };
  }
  return { kind: 'not-found' };
}
