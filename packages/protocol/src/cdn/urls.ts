// CDN URLs and headers: the upload token, upload URLs per media type and the download URLs of a
// direct path on each host.

import { InvalidArgumentError } from '../errors.js';
import { base64UrlEncode } from '../internal/base64url.js';

/** Headers WhatsApp Web sends on every CDN request. */
export const CDN_HEADERS: Readonly<{
  /** `https://web.whatsapp.com` (uploads without it are refused). */
  Origin: string;
  /** `https://web.whatsapp.com/`. */
  Referer: string;
}> = Object.freeze({
  Origin: 'https://web.whatsapp.com',
  Referer: 'https://web.whatsapp.com/',
});

/** Hosts to download from when there is no media_conn (not logged in). */
export const DEFAULT_CDN_HOSTS: readonly string[] = Object.freeze([
  'mmg.whatsapp.net',
  'mmg-fallback.whatsapp.net',
]);

/** Blobs of at least this many bytes are uploaded resumably (probe with `resume=1` first). */
export const RESUMABLE_UPLOAD_THRESHOLD = 5_242_880 as const;

/** URL scheme of CDN requests; `'http'` is for local emulators. */
export type CdnScheme = 'https' | 'http';

// host or host:port, no path, userinfo or query (a host comes from media_conn or config).
const hostPattern = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const tokenPattern = /^[A-Za-z0-9_-]+$/;

function checkScheme(scheme: unknown): CdnScheme {
  if (scheme !== 'https' && scheme !== 'http') {
    throw new InvalidArgumentError('scheme', 'must be "https" or "http"');
  }
  return scheme;
}

function checkHost(host: unknown, parameter: string): string {
  if (typeof host !== 'string' || !hostPattern.test(host)) {
    throw new InvalidArgumentError(parameter, 'must be a hostname with an optional port');
  }
  return host;
}

/**
 * The upload token: base64url without padding of `fileEncSha256` (or, for unencrypted media
 * such as newsletter media, of `fileSha256`).
 * @throws {InvalidArgumentError} when `hash` is not a 32-byte Uint8Array.
 */
export function mediaUploadToken(hash: Uint8Array): string {
  if (!(hash instanceof Uint8Array) || hash.length !== 32) {
    throw new InvalidArgumentError('hash', 'must be a 32-byte SHA-256 digest');
  }
  return base64UrlEncode(hash);
}

/** Parameters of {@link buildUploadUrl}. */
export interface UploadUrlParams {
  /** CDN host (from media_conn), optionally with `:port`. */
  host: string;
  /** The media type's upload path, e.g. `/mms/image` (crypto's `mediaTypeInfo(type).uploadPath`). */
  uploadPath: string;
  /** {@link mediaUploadToken} of the blob. */
  token: string;
  /** media_conn `auth` (secret; percent-encoded into the URL). */
  auth: string;
  /** @default 'https' */
  scheme?: CdnScheme;
  /** Build the resume probe URL (`&resume=1`, POST with an empty body). @default false */
  resumeProbe?: boolean;
  /** Build the URL that uploads `blob[fileOffset..]` after a resume probe (`&file_offset=`). */
  fileOffset?: number;
  /**
   * Ask the CDN to make the thumbnail itself (`&server_thumb_gen=1`), as WhatsApp clients do for
   * newsletter (channel) media; the reply then carries `thumbnail_info`.
   * @default false
   */
  serverThumbGen?: boolean;
}

/**
 * `{scheme}://{host}{uploadPath}/{token}?auth={auth}&token={token}`, plus `&server_thumb_gen=1`
 * when asked, and `&resume=1` for the resume probe or `&file_offset={n}` for a resumed upload. The URL contains the auth token:
 * never log it.
 * @throws {InvalidArgumentError} for a bad host, scheme, an uploadPath not starting with `/`,
 * a token that is not base64url, an empty auth, a fileOffset that is not a positive safe
 * integer, or both `resumeProbe` and `fileOffset`.
 * @example
 * buildUploadUrl({ host: 'mmg.whatsapp.net', uploadPath: '/mms/image', token, auth })
 */
export function buildUploadUrl(params: UploadUrlParams): string {
  const scheme = checkScheme(params.scheme ?? 'https');
  const host = checkHost(params.host, 'host');
  const { uploadPath, token, auth, resumeProbe, fileOffset } = params;
  if (typeof uploadPath !== 'string' || !/^\/[^?#\s]*$/.test(uploadPath)) {
    throw new InvalidArgumentError('uploadPath', 'must start with "/" and have no query');
  }
  if (typeof token !== 'string' || !tokenPattern.test(token)) {
    throw new InvalidArgumentError('token', 'must be base64url without padding');
  }
  if (typeof auth !== 'string' || auth === '') {
    throw new InvalidArgumentError('auth', 'must be a non-empty string');
  }
  if (resumeProbe === true && fileOffset !== undefined) {
    throw new InvalidArgumentError('fileOffset', 'cannot be combined with resumeProbe');
  }
  let url = `${scheme}://${host}${uploadPath.replace(/\/$/, '')}/${token}?auth=${encodeURIComponent(auth)}&token=${token}`;
  if (params.serverThumbGen === true) url += '&server_thumb_gen=1';
  if (resumeProbe === true) url += '&resume=1';
  if (fileOffset !== undefined) {
    if (!Number.isSafeInteger(fileOffset) || fileOffset <= 0) {
      throw new InvalidArgumentError('fileOffset', 'must be a positive safe integer');
    }
    url += `&file_offset=${fileOffset}`;
  }
  return url;
}

/** Parameters of {@link buildDownloadUrls}. */
export interface DownloadUrlsParams {
  /** Hosts in the order to try (e.g. `mediaConnHostOrder(conn)` or {@link DEFAULT_CDN_HOSTS}). */
  hosts: readonly string[];
  /** The message's `directPath` (starts with `/`, usually with its own signed query). */
  directPath: string;
  /** Adds WhatsApp Web's `hash=` parameter (base64url). */
  fileEncSha256?: Uint8Array | undefined;
  /** Adds WhatsApp Web's `mms-type=` parameter, e.g. `'image'` (crypto's `mediaTypeInfo(type).mmsType`). */
  mmsType?: string | undefined;
  /** The message's `staticUrl` (image, video): tried first, used as is. */
  staticUrl?: string | undefined;
  /** @default 'https' */
  scheme?: CdnScheme;
}

/**
 * Every URL to try for a download, in order: `staticUrl` (as is), then
 * `{scheme}://{host}{directPath}` for each host (duplicates dropped), the directPath kept
 * verbatim and followed by `hash=…&mms-type=…&__wa-mms=` when a hash or mms-type is given
 * (joined with `&`, or `?` when the directPath has no query). These URLs are signed: never log
 * them.
 * @throws {InvalidArgumentError} when `directPath` does not start with `/`, a host is invalid,
 * `fileEncSha256` is not 32 bytes, or there is neither a host nor a `staticUrl`.
 */
export function buildDownloadUrls(params: DownloadUrlsParams): string[] {
  const scheme = checkScheme(params.scheme ?? 'https');
  const { hosts, directPath, fileEncSha256, mmsType, staticUrl } = params;
  if (typeof directPath !== 'string' || !directPath.startsWith('/') || /[\s#]/.test(directPath)) {
    throw new InvalidArgumentError('directPath', 'must start with "/" (a path, not a URL)');
  }
  if (!Array.isArray(hosts)) throw new InvalidArgumentError('hosts', 'must be an array');
  const query: string[] = [];
  if (fileEncSha256 !== undefined) query.push(`hash=${mediaUploadToken(fileEncSha256)}`);
  if (mmsType !== undefined) {
    if (mmsType === '') throw new InvalidArgumentError('mmsType', 'must not be empty');
    query.push(`mms-type=${encodeURIComponent(mmsType)}`);
  }
  if (query.length > 0) query.push('__wa-mms=');
  const suffix =
    query.length === 0 ? '' : `${directPath.includes('?') ? '&' : '?'}${query.join('&')}`;
  const urls = new Set<string>();
  if (staticUrl !== undefined && staticUrl !== '') urls.add(staticUrl);
  for (const [index, host] of hosts.entries()) {
    urls.add(`${scheme}://${checkHost(host, `hosts[${index}]`)}${directPath}${suffix}`);
  }
  if (urls.size === 0)
    throw new InvalidArgumentError('hosts', 'is empty and there is no staticUrl');
  return [...urls];
}
