// Credential redaction. Media URLs carry signed query strings (`auth`, `token`, `oh`, `hash`,
// `_nc_ohc`, and whatever a CDN signs next) and requests may carry Authorization headers; none
// of that may reach an error, a log or a serialized error. Everything that builds a message
// goes through here. Query values are redacted unless their name is known to be harmless: an
// allow-list, so a signature parameter nobody listed yet is hidden too.

/**
 * Query parameters whose values are shown: known not to be credentials (cache and expiry hints,
 * resume offsets). Every other value is redacted. Compared case-insensitively.
 */
export const SAFE_QUERY_PARAMS: readonly string[] = [
  'ccb',
  'oe',
  '_nc_sid',
  '_nc_cat',
  '_nc_ht',
  'mms3',
  'resume',
  'file_offset',
  'category',
];

/**
 * Query parameters known to carry credentials (always redacted, like every name outside
 * {@link SAFE_QUERY_PARAMS}). Compared case-insensitively.
 */
export const SECRET_QUERY_PARAMS: readonly string[] = ['auth', 'token', 'oh', 'hash', '_nc_ohc'];

/** Headers whose values are credentials. Lower-case. */
export const SECRET_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
];

/** What redacted values are replaced with. */
export const REDACTED = 'REDACTED';

const safeParamSet = new Set(SAFE_QUERY_PARAMS);
const secretHeaderSet = new Set(SECRET_HEADERS);

/** True when a query value under `name` is redacted (every name not on the allow-list). */
export function isSecretQueryParam(name: string): boolean {
  return !safeParamSet.has(name.toLowerCase());
}

// `?name=…` / `&name=…` anywhere in free text for every name not on the allow-list (also with
// percent-encoded `%3F`/`%26`/`%3D`, since URLs get embedded inside other URLs' query strings).
const secretParamInText = new RegExp(
  `((?:[?&;]|%3[Ff]|%26)(?!(?:${SAFE_QUERY_PARAMS.join('|')})(?:=|%3[Dd]))[A-Za-z0-9_.~-]+(?:=|%3[Dd]))(?:[^&#\\s"'<>;%]|%(?!26|3[Ff])[0-9A-Fa-f]{2})*`,
  'gi',
);
// `authorization: Bearer abc`, `"Authorization":"abc"`, `authorization=abc`
const authorizationInText =
  /((?:proxy-)?authorization["']?\s*[:=]\s*["']?)(?:(?:Bearer|Basic|Token)\s+)?[^"'\r\n,}\]]*/gi;
// `https://user:password@host`
const userinfoInText = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)[^@/\s]*@/gi;

/**
 * Returns `url` with every query value whose name is not in {@link SAFE_QUERY_PARAMS} (so
 * `auth`, `token`, `oh`, `hash`, `_nc_ohc` and any unknown one), any path segment that carries
 * one of those values, and any userinfo password replaced by `REDACTED`. CDN upload
 * URLs put the token in the path as well (`/mms/image/{token}?auth=…&token={token}`), so
 * redacting the query alone is not enough. Everything else, including the encoding of other
 * parameters, is kept byte for byte. A bare name (`?abc` without `=`) outside the allow-list
 * is redacted whole. Accepts strings that are not valid URLs (redacts what it recognises).
 *
 * @example
 * ```ts
 * redactUrl('https://mmg.whatsapp.net/v/t62/x.enc?ccb=11-4&oh=01_abc&oe=65F0')
 * // 'https://mmg.whatsapp.net/v/t62/x.enc?ccb=11-4&oh=REDACTED&oe=65F0'
 * redactUrl('https://mmg.whatsapp.net/mms/image/AbC?auth=x&token=AbC')
 * // 'https://mmg.whatsapp.net/mms/image/REDACTED?auth=REDACTED&token=REDACTED'
 * ```
 */
export function redactUrl(url: string | URL): string {
  const text = typeof url === 'string' ? url : url.href;
  const hashIndex = text.indexOf('#');
  const beforeFragment = hashIndex === -1 ? text : text.slice(0, hashIndex);
  const fragment = hashIndex === -1 ? '' : text.slice(hashIndex);
  const queryIndex = beforeFragment.indexOf('?');
  const head = (queryIndex === -1 ? beforeFragment : beforeFragment.slice(0, queryIndex)).replace(
    userinfoInText,
    `$1${REDACTED}@`,
  );
  if (queryIndex === -1) return head + redactText(fragment);
  // Raw and decoded forms of every redacted value, to find them again in the path.
  const secretValues = new Set<string>();
  const pairs = beforeFragment
    .slice(queryIndex + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      const name = decodeQueryComponent(rawName);
      if (!isSecretQueryParam(name) || pair === '') return { pair, secret: false };
      // A bare name may itself be a credential (`?<token>`).
      if (eq === -1) return { pair: REDACTED, secret: true };
      const rawValue = pair.slice(eq + 1);
      if (rawValue) secretValues.add(rawValue).add(decodeQueryComponent(rawValue));
      return { pair: `${rawName}=${REDACTED}`, secret: true };
    });
  const secrets = [...secretValues].filter((value) => value !== '');
  const query = pairs
    .map(({ pair, secret }) => (secret ? pair : redactText(pair, secrets)))
    .join('&');
  return `${redactPath(head, secrets)}?${query}${redactText(fragment, secrets)}`;
}

/**
 * Redacts, in the path of `head` (never in the scheme or host), each segment equal to a secret
 * (compared raw and percent-decoded, whatever its length) and each occurrence of a secret
 * inside a longer segment (only for secrets of 4+ characters, like {@link redactText}).
 */
function redactPath(head: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return head;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(head);
  const prefix = authority ? authority[0] : '';
  const path = head.slice(prefix.length);
  const exact = new Set(secrets);
  const redactedPath = path
    .split('/')
    .map((segment) => {
      if (segment === '') return segment;
      if (exact.has(segment) || exact.has(decodeSafe(segment))) return REDACTED;
      return redactText(segment, secrets);
    })
    .join('/');
  return prefix + redactedPath;
}

/** Decodes a query name or value (`+` is a space there); keeps malformed escapes raw. */
function decodeQueryComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    // Keep the raw text: a malformed escape is not a reason to leak or to throw.
    return raw;
  }
}

/**
 * Returns a copy of `headers` with credential headers (`authorization`, `proxy-authorization`,
 * `cookie`, `set-cookie`) replaced by `REDACTED` and URLs in other values (e.g. `location`)
 * passed through {@link redactUrl}.
 */
export function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = secretHeaderSet.has(name.toLowerCase()) ? REDACTED : redactText(value);
  }
  return out;
}

/**
 * Redacts credentials inside free text (error messages, stacks, bodies): secret query
 * parameters of any URL in it, `Authorization: …` values, userinfo passwords, and every exact
 * occurrence of `secrets` (plus their percent-encoded forms). Secrets shorter than 4 characters
 * are ignored so that redaction cannot shred unrelated text.
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, safeEncode(secret)])) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
  }
  return out
    .replace(secretParamInText, `$1${REDACTED}`)
    .replace(authorizationInText, `$1${REDACTED}`)
    .replace(userinfoInText, `$1${REDACTED}@`);
}

/**
 * Collects the credential values carried by a request (secret query values, userinfo password,
 * Authorization header and its token) so that text mentioning them anywhere can be scrubbed.
 */
export function collectSecrets(
  url: string | URL | undefined,
  headers?: Readonly<Record<string, string>>,
): string[] {
  const secrets: string[] = [];
  if (url !== undefined) {
    try {
      const parsed = typeof url === 'string' ? new URL(url) : url;
      for (const [name, value] of parsed.searchParams) {
        if (isSecretQueryParam(name) && value) secrets.push(value);
      }
      if (parsed.password) secrets.push(decodeSafe(parsed.password), parsed.password);
    } catch {
      // Unparsable URL: the regex-based redaction still applies.
    }
  }
  if (headers) {
    for (const [name, value] of Object.entries(headers)) {
      if (!secretHeaderSet.has(name.toLowerCase()) || !value) continue;
      secrets.push(value);
      const space = value.indexOf(' ');
      if (space !== -1) secrets.push(value.slice(space + 1).trim());
    }
  }
  return secrets;
}

function safeEncode(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
