// JIDs: the servers WhatsApp uses, parsing and formatting addresses (user, device, LID, group,
// newsletter), dropping the device, and the kind tests.

import { InvalidJidError } from '../errors.js';

/** The user server (phone-number accounts). */
export const USER_SERVER = 's.whatsapp.net' as const;
/** The legacy user server, still seen in old data. */
export const LEGACY_USER_SERVER = 'c.us' as const;
/** Server of LID (linked identity) accounts. */
export const LID_SERVER = 'lid' as const;
/** Server of group chats. */
export const GROUP_SERVER = 'g.us' as const;
/** Server of broadcast lists and of status updates (`status@broadcast`). */
export const BROADCAST_SERVER = 'broadcast' as const;
/** Server of newsletters (channels); their media is not encrypted. */
export const NEWSLETTER_SERVER = 'newsletter' as const;
/** The JID status updates are sent to. */
export const STATUS_BROADCAST_JID = 'status@broadcast' as const;

/** Servers seen in WhatsApp JIDs; any other lowercase domain-like server also parses. */
export type JidServer =
  | typeof USER_SERVER
  | typeof LEGACY_USER_SERVER
  | typeof LID_SERVER
  | typeof GROUP_SERVER
  | typeof BROADCAST_SERVER
  | typeof NEWSLETTER_SERVER
  | 'hosted'
  | 'hosted.lid'
  | 'call'
  | 'bot'
  | (string & {});

/**
 * A parsed JID: `user[.agent][:device]@server`, or a bare `server` (user `''`).
 * `agent` and `device` are only parsed on account servers (s.whatsapp.net, c.us, lid, hosted,
 * hosted.lid); elsewhere (groups, broadcast, newsletters) the user part is kept verbatim.
 */
export interface Jid {
  /** The part before `@` (a phone number, LID, group id, …), without agent and device. */
  user: string;
  /** The part after `@`, e.g. `s.whatsapp.net`, `g.us`, `lid`. */
  server: JidServer;
  /** Agent number of a companion (`user.agent:device`), 0–255. */
  agent?: number;
  /** Device number (`user:device`), 0–65535; absent = the primary device. */
  device?: number;
}

const accountServers = new Set<string>([
  USER_SERVER,
  LEGACY_USER_SERVER,
  LID_SERVER,
  'hosted',
  'hosted.lid',
]);
const serverPattern = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;
// Canonical decimal (no sign, no leading zeros) so that format(parse(s)) === s.
const canonicalNumber = '(?:0|[1-9][0-9]*)';
const accountUserPattern = new RegExp(
  `^([^.:@\\s]+)(?:\\.(${canonicalNumber}))?(?::(${canonicalNumber}))?$`,
);
const verbatimUserPattern = /^[^@\s]+$/;

/**
 * Longest JID string {@link parseJid} accepts. Real ones (phone numbers, LIDs, group ids with
 * agent and device) stay well under 64 characters; a sender's 1 MB "JID" must not be stored,
 * logged or echoed.
 */
export const MAX_JID_LENGTH = 128;

/** True when `server` carries agent/device parts in its user part. */
function isAccountServer(server: string): boolean {
  return accountServers.has(server);
}

function parseBounded(input: string, text: string | undefined, max: number, what: string) {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (value > max) throw new InvalidJidError(input, `${what} ${text} is above ${max}`);
  return value;
}

/**
 * Parse a JID string.
 * @throws {InvalidJidError} when `input` is empty or longer than {@link MAX_JID_LENGTH}, has more than one `@`, an empty user before
 * `@`, a server that is not a lowercase domain-like name, whitespace, or a malformed
 * `.agent` / `:device` part on an account server.
 * @example
 * parseJid('5511999999999.0:3@s.whatsapp.net') // { user: '5511999999999', server: 's.whatsapp.net', agent: 0, device: 3 }
 */
export function parseJid(input: string): Jid {
  if (typeof input !== 'string' || input === '') {
    throw new InvalidJidError(String(input), 'a JID must be a non-empty string');
  }
  if (input.length > MAX_JID_LENGTH) {
    // Only a prefix is echoed: the error message must stay small.
    throw new InvalidJidError(
      `${input.slice(0, 32)}…`,
      `longer than ${MAX_JID_LENGTH} characters (${input.length})`,
    );
  }
  const at = input.indexOf('@');
  if (at !== input.lastIndexOf('@')) throw new InvalidJidError(input, 'more than one "@"');
  const user = at === -1 ? '' : input.slice(0, at);
  const server = at === -1 ? input : input.slice(at + 1);
  if (!serverPattern.test(server)) {
    throw new InvalidJidError(input, 'the server must be a lowercase domain-like name');
  }
  if (at === -1) return { user: '', server };
  if (user === '') throw new InvalidJidError(input, 'empty user part before "@"');
  if (!isAccountServer(server)) {
    if (!verbatimUserPattern.test(user)) throw new InvalidJidError(input, 'whitespace in user');
    return { user, server };
  }
  const match = accountUserPattern.exec(user);
  if (match === null) {
    throw new InvalidJidError(input, 'expected user[.agent][:device] with decimal agent/device');
  }
  const jid: Jid = { user: match[1] as string, server };
  const agent = parseBounded(input, match[2], 255, 'agent');
  const device = parseBounded(input, match[3], 65535, 'device');
  if (agent !== undefined) jid.agent = agent;
  if (device !== undefined) jid.device = device;
  return jid;
}

/** Like {@link parseJid} but returns `undefined` instead of throwing. */
export function tryParseJid(input: string): Jid | undefined {
  try {
    return parseJid(input);
  } catch {
    return undefined;
  }
}

/**
 * Format a JID. `formatJid(parseJid(s)) === s` for every string `parseJid` accepts.
 * @throws {InvalidJidError} when the parts cannot form a JID that parses back to them.
 */
export function formatJid(jid: Jid): string {
  let user = jid.user;
  if (jid.agent !== undefined) user += `.${jid.agent}`;
  if (jid.device !== undefined) user += `:${jid.device}`;
  const text = user === '' ? jid.server : `${user}@${jid.server}`;
  const back = parseJid(text);
  if (
    back.user !== jid.user ||
    back.server !== jid.server ||
    back.agent !== jid.agent ||
    back.device !== jid.device
  ) {
    throw new InvalidJidError(
      text,
      'its parts do not round-trip (agent/device on a non-account server, or separators in the user)',
    );
  }
  return text;
}

/**
 * The JID without its agent and device parts (`user@server`), as receipts address an account.
 * @throws {InvalidJidError} when `jid` is a string that does not parse.
 * @example
 * jidWithoutDevice('5511999999999:3@s.whatsapp.net') // '5511999999999@s.whatsapp.net'
 */
export function jidWithoutDevice(jid: string | Jid): string {
  const parsed = typeof jid === 'string' ? parseJid(jid) : jid;
  return formatJid({ user: parsed.user, server: parsed.server });
}

/** Alias of {@link jidWithoutDevice}. */
export const toBareJid: (jid: string | Jid) => string = jidWithoutDevice;

function serverOf(jid: string | Jid): string | undefined {
  return typeof jid === 'string' ? tryParseJid(jid)?.server : jid.server;
}

/** True for a group chat (`@g.us`). Invalid JIDs give `false`. */
export function isGroupJid(jid: string | Jid): boolean {
  return serverOf(jid) === GROUP_SERVER;
}

/** True for a newsletter / channel (`@newsletter`). Invalid JIDs give `false`. */
export function isNewsletterJid(jid: string | Jid): boolean {
  return serverOf(jid) === NEWSLETTER_SERVER;
}

/** True for a broadcast list or status (`@broadcast`, incl. `status@broadcast`). */
export function isBroadcastJid(jid: string | Jid): boolean {
  return serverOf(jid) === BROADCAST_SERVER;
}

/** True for `status@broadcast`. */
export function isStatusBroadcastJid(jid: string | Jid): boolean {
  const parsed = typeof jid === 'string' ? tryParseJid(jid) : jid;
  return parsed?.server === BROADCAST_SERVER && parsed.user === 'status';
}

/** True for a LID account (`@lid`). */
export function isLidJid(jid: string | Jid): boolean {
  return serverOf(jid) === LID_SERVER;
}

/** True for a phone-number account (`@s.whatsapp.net` or legacy `@c.us`). */
export function isUserJid(jid: string | Jid): boolean {
  const server = serverOf(jid);
  return server === USER_SERVER || server === LEGACY_USER_SERVER;
}
