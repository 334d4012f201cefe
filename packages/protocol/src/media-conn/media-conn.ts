// media_conn: the query iq, parsing its reply into hosts, auth and lifetimes, host order and
// freshness.

import {
  type BinaryNode,
  getAttr,
  getChild,
  getChildren,
  getIntAttr,
  requireAttr,
  requireIntAttr,
} from '../binary-node/binary-node.js';
import { InvalidArgumentError, isBinaryNodeError, MediaConnError } from '../errors.js';
import { USER_SERVER } from '../jid/jid.js';

/** Options of {@link buildMediaConnIq}. */
export interface MediaConnIqOptions {
  /**
   * The IQ `id`. Baileys-style sockets set their own id in `query`, so it is optional here.
   * @default a random id (`wam-` + 16 hex digits)
   */
  id?: string;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `wam-${Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The IQ that asks the server for CDN hosts and an upload auth token:
 * `<iq id=… xmlns="w:m" type="set" to="s.whatsapp.net"><media_conn/></iq>`.
 * @throws {InvalidArgumentError} when `id` is given but empty.
 * @example
 * const reply = await signaling.query(buildMediaConnIq());
 * const conn = parseMediaConn(reply);
 */
export function buildMediaConnIq(options: MediaConnIqOptions = {}): BinaryNode {
  if (options.id === '') throw new InvalidArgumentError('id', 'must not be empty');
  return {
    tag: 'iq',
    attrs: { id: options.id ?? randomId(), xmlns: 'w:m', type: 'set', to: USER_SERVER },
    content: [{ tag: 'media_conn', attrs: {} }],
  };
}

/** One CDN host of a media_conn reply. */
export interface MediaConnHost {
  /** Host name to build CDN URLs with (`mmg.whatsapp.net`; `127.0.0.1:<port>` on the emulator). */
  hostname: string;
  /** `'primary'` or `'fallback'` as the server says; a missing type means primary. */
  type: 'primary' | 'fallback' | (string & {});
  /** Host to try right after this one. */
  fallbackHostname?: string;
  /** IPv4 address of the host, when the server gives one. */
  ip4?: string;
  /** IPv6 address of the host, when the server gives one. */
  ip6?: string;
  /** IPv4 address of the fallback host, when given. */
  fallbackIp4?: string;
  /** IPv6 address of the fallback host, when given. */
  fallbackIp6?: string;
  /** Largest blob this host accepts, when the server says. */
  maxContentLengthBytes?: number;
  /** Tags of the children of `<upload>`, when present (media kinds this host takes). */
  upload?: string[];
  /** Tags of the children of `<download>`, when present. */
  download?: string[];
}

/**
 * A parsed media_conn reply. `auth` is a secret: `JSON.stringify` and Node's `util.inspect`
 * (console.log) print `auth: '[REDACTED]'`, but the field itself holds the real token.
 */
export interface MediaConn {
  /** Upload auth token (secret). */
  auth: string;
  /** Seconds the host list stays valid. */
  ttl: number;
  /** Seconds the auth token stays valid, when given. */
  authTtl?: number;
  /** The reply's `max_buckets`, when given (passed through, not used for routing). */
  maxBuckets?: number;
  /** When the reply was parsed (ms since the epoch, as `Date.now()`). */
  fetchedAt: number;
  /** Primary hosts first, otherwise in the server's order. */
  hosts: MediaConnHost[];
}

function childTags(node: BinaryNode | undefined): string[] | undefined {
  return node === undefined ? undefined : getChildren(node).map((child) => child.tag);
}

function parseHost(node: BinaryNode): MediaConnHost {
  const host: MediaConnHost = {
    hostname: requireAttr(node, 'hostname'),
    type: getAttr(node, 'type') || 'primary',
  };
  const optional = {
    fallbackHostname: getAttr(node, 'fallback_hostname'),
    ip4: getAttr(node, 'ip4'),
    ip6: getAttr(node, 'ip6'),
    fallbackIp4: getAttr(node, 'fallback_ip4'),
    fallbackIp6: getAttr(node, 'fallback_ip6'),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined && value !== '') host[key as keyof typeof optional] = value;
  }
  const maxContentLengthBytes =
    getIntAttr(node, 'maxContentLengthBytes', { min: 0 }) ??
    getIntAttr(node, 'max_content_length_bytes', { min: 0 });
  if (maxContentLengthBytes !== undefined) host.maxContentLengthBytes = maxContentLengthBytes;
  const upload = childTags(getChild(node, 'upload'));
  const download = childTags(getChild(node, 'download'));
  if (upload !== undefined) host.upload = upload;
  if (download !== undefined) host.download = download;
  return host;
}

function rethrowMalformed(error: unknown): never {
  if (isBinaryNodeError(error)) {
    throw new MediaConnError(
      'malformed-media-conn',
      `Malformed media_conn reply: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  throw error;
}

/**
 * Parse the server's reply to {@link buildMediaConnIq}. Accepts the `<iq>` reply or its
 * `<media_conn>` child.
 * @param now the fetch time recorded as `fetchedAt`, in ms. @default Date.now()
 * @throws {MediaConnError} `code: 'iq-error'` for an error IQ (`errorCode`/`errorText` set);
 * `code: 'malformed-media-conn'` when there is no `<media_conn>`, no `auth`, a missing or
 * non-integer `ttl` / `auth_ttl` / `max_buckets`, no `<host>` or a host without `hostname`,
 * or when any node on the way is not a well-formed BinaryNode (`cause`: the BinaryNodeError).
 * The message never contains the auth token.
 */
export function parseMediaConn(node: BinaryNode, now: number = Date.now()): MediaConn {
  try {
    // getAttr first: it validates the node's shape before `node.tag` is read.
    if (getAttr(node, 'type') === 'error' && node.tag === 'iq') throw iqError(node);
    const conn = node.tag === 'media_conn' ? node : getChild(node, 'media_conn');
    if (conn === undefined) {
      throw new MediaConnError('malformed-media-conn', `<${node.tag}> has no <media_conn> child`);
    }
    const result: MediaConn = {
      auth: requireAttr(conn, 'auth'),
      ttl: requireIntAttr(conn, 'ttl', { min: 0 }),
      fetchedAt: now,
      hosts: [],
    };
    const authTtl = getIntAttr(conn, 'auth_ttl', { min: 0 });
    const maxBuckets = getIntAttr(conn, 'max_buckets', { min: 0 });
    if (authTtl !== undefined) result.authTtl = authTtl;
    if (maxBuckets !== undefined) result.maxBuckets = maxBuckets;
    const hosts = getChildren(conn, 'host').map(parseHost);
    if (hosts.length === 0) {
      throw new MediaConnError('malformed-media-conn', '<media_conn> has no <host> children');
    }
    // Stable: primaries keep their order, then the rest keep theirs.
    result.hosts = [
      ...hosts.filter((host) => host.type === 'primary'),
      ...hosts.filter((host) => host.type !== 'primary'),
    ];
    return redactAuthWhenPrinted(result);
  } catch (error) {
    return rethrowMalformed(error);
  }
}

function iqError(node: BinaryNode): MediaConnError {
  const error = getChild(node, 'error');
  const codeText = error && getAttr(error, 'code');
  const errorCode = codeText !== undefined && /^\d+$/.test(codeText) ? Number(codeText) : undefined;
  const errorText = error && getAttr(error, 'text');
  return new MediaConnError(
    'iq-error',
    `media_conn query failed with an error IQ${errorCode === undefined ? '' : ` (code ${errorCode}${errorText ? ` ${errorText}` : ''})`}`,
    {
      ...(errorCode === undefined ? {} : { errorCode }),
      ...(errorText === undefined ? {} : { errorText }),
    },
  );
}

/**
 * Hostnames in the order to try them: each host followed right away by its
 * `fallbackHostname`, duplicates dropped.
 */
export function mediaConnHostOrder(conn: Pick<MediaConn, 'hosts'>): string[] {
  const order = new Set<string>();
  for (const host of conn.hosts) {
    order.add(host.hostname);
    if (host.fallbackHostname !== undefined) order.add(host.fallbackHostname);
  }
  return [...order];
}

/**
 * True while the connection may still be used: `now - fetchedAt < min(ttl, authTtl ?? ttl)`
 * seconds.
 * @param now ms since the epoch. @default Date.now()
 */
export function isMediaConnFresh(
  conn: Pick<MediaConn, 'ttl' | 'authTtl' | 'fetchedAt'>,
  now: number = Date.now(),
): boolean {
  const lifetimeSeconds = Math.min(conn.ttl, conn.authTtl ?? conn.ttl);
  return now - conn.fetchedAt < lifetimeSeconds * 1000;
}

const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * Adds non-enumerable `toJSON` and inspect hooks that print the connection with its auth
 * token redacted, so a logged MediaConn never leaks the token. Non-enumerable, so spreading
 * or comparing the object is unaffected.
 */
function redactAuthWhenPrinted(conn: MediaConn): MediaConn {
  const printable = (): Record<string, unknown> => ({ ...conn, auth: '[REDACTED]' });
  Object.defineProperty(conn, 'toJSON', { value: printable, enumerable: false });
  Object.defineProperty(conn, inspectCustom, { value: printable, enumerable: false });
  return conn;
}
