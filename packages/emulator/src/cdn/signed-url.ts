import { createHmac, timingSafeEqual } from 'node:crypto';

/** Query parameters the emulator puts on every direct path, like the real CDN. */
export const CCB = '11-4';
export const NC_SID = '5e03e0';

/** Parameters that are part of the signature; the rest (hash, mms-type, __wa-mms) may be added. */
const SIGNED_PARAMS = ['ccb', 'oh', 'oe', '_nc_sid'] as const;

/** `oe` is the expiry as 8 upper-case hex digits of Unix seconds, as in real URLs. */
export function formatOe(expiresAtMs: number): string {
  return Math.floor(expiresAtMs / 1000)
    .toString(16)
    .toUpperCase()
    .padStart(8, '0');
}

/** `oh` = HMAC of the path, expiry and the other signed values with the emulator's secret. */
export function signPath(secret: Uint8Array, pathname: string, oe: string): string {
  const mac = createHmac('sha256', secret)
    .update(`${pathname}\n${oe}\n${CCB}\n${NC_SID}`)
    .digest('base64url');
  return `01_${mac}`;
}

/** The query string a stored object's direct path carries (without `?`). */
export function signedQuery(secret: Uint8Array, pathname: string, expiresAtMs: number): string {
  const oe = formatOe(expiresAtMs);
  return `ccb=${CCB}&oh=${signPath(secret, pathname, oe)}&oe=${oe}&_nc_sid=${NC_SID}`;
}

export type SignatureCheck =
  | { ok: true; expiresAtMs: number }
  | { ok: false; reason: 'bad URL hash' };

/**
 * Checks `oh` against the path and `oe`. Every signed parameter must be present exactly once and
 * unchanged, so a client that rebuilds or re-encodes the direct path fails like on the real CDN.
 */
export function verifySignedQuery(
  secret: Uint8Array,
  pathname: string,
  query: URLSearchParams,
): SignatureCheck {
  for (const name of SIGNED_PARAMS) {
    if (query.getAll(name).length !== 1) return { ok: false, reason: 'bad URL hash' };
  }
  const oe = query.get('oe') ?? '';
  if (query.get('ccb') !== CCB || query.get('_nc_sid') !== NC_SID || !/^[0-9A-F]{8}$/.test(oe)) {
    return { ok: false, reason: 'bad URL hash' };
  }
  const expected = Buffer.from(signPath(secret, pathname, oe));
  const given = Buffer.from(query.get('oh') ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad URL hash' };
  }
  return { ok: true, expiresAtMs: Number.parseInt(oe, 16) * 1000 };
}

/** Query parameters whose values are secrets or identify the media: never logged. */
const REDACTED_PARAMS: ReadonlySet<string> = new Set(['auth', 'token', 'oh', 'hash']);

/** `/mms/image/<token>`: an upload path ends in the upload token. */
const UPLOAD_TOKEN_SEGMENT = /^(\/(?:mms|product|newsletter)\/[^/?]+)\/[^/?]+$/;

/**
 * A path for logs: the values of `auth`, `token`, `oh` and `hash` and an upload path's token
 * segment replaced by `***`. Parameter names are compared after percent-decoding, so an encoded
 * name cannot smuggle a value past.
 */
export function redactPath(pathAndQuery: string): string {
  const q = pathAndQuery.indexOf('?');
  const pathname = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const redactedPath = pathname.replace(UPLOAD_TOKEN_SEGMENT, '$1/***');
  if (q < 0) return redactedPath;
  const parts = pathAndQuery
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      return REDACTED_PARAMS.has(decodeName(name)) ? `${name}=***` : part;
    });
  return `${redactedPath}?${parts.join('&')}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
