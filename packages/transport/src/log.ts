// Structured logging for the media packages: the pino-compatible logger shape they accept, and
// the one place that turns what they log into safe fields. Every string goes through
// redact.ts (plus the secrets the caller registered), and URLs lose every query value.

import { REDACTED, redactText, redactUrl } from './redact.js';

/**
 * One level of a {@link Logger}: pino's call shapes, `(obj, msg?)` or `(msg)`. The packages
 * always call `(obj, msg)`.
 */
export interface LogFn {
  (obj: Record<string, unknown>, msg?: string): void;
  (msg: string): void;
}

/**
 * A pino-compatible logger: a pino instance, `console`-like wrappers, or your own. Only these
 * four levels are used; a logger that throws is ignored (logging never fails a transfer).
 *
 * @example
 * ```ts
 * import pino from 'pino';
 * const client = createNodeMediaClient({ logger: pino({ level: 'debug' }) });
 * ```
 */
export interface Logger {
  /** Each request and response (`cdn request`, `cdn response`). */
  readonly debug: LogFn;
  /** A transfer's start and successful end; store registrations and attempts. */
  readonly info: LogFn;
  /** Retries, failovers, failed requests, failed attempts that will be retried. */
  readonly warn: LogFn;
  /** Failed transfers, final download failures, background errors. */
  readonly error: LogFn;
}

/** A level of {@link Logger}. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Values a log line's fields may hold (nested objects and arrays of them too). */
export type LogValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly LogValue[]
  | { readonly [key: string]: LogValue };

/**
 * A URL as it may appear in a log: scheme, host and path (path segments that carry a credential
 * redacted by {@link redactUrl}), and every query value replaced by `REDACTED` (CDN direct
 * paths are signed: `oh`, `oe`, `_nc_sid`… are not for logs either). Names are kept, so a log
 * still shows which parameters a URL had.
 *
 * @example
 * ```ts
 * logSafeUrl('https://mmg.whatsapp.net/v/t62/x.enc?ccb=11-4&oh=01_abc&oe=65F0')
 * // 'https://mmg.whatsapp.net/v/t62/x.enc?ccb=REDACTED&oh=REDACTED&oe=REDACTED'
 * ```
 */
export function logSafeUrl(url: string | URL): string {
  const redacted = redactUrl(url);
  const hashIndex = redacted.indexOf('#');
  return redactQueryValues(hashIndex === -1 ? redacted : redacted.slice(0, hashIndex));
}

// `?name=value&…` anywhere in text: a URL's or a direct path's query.
const queryInText = /\?([^\s"'<>#?]*=[^\s"'<>#?]*)/g;

/**
 * Replaces the value of every query parameter in `text` (any `?a=b&c=d` run, inside URLs or
 * bare direct paths) with `REDACTED`, keeping the names. For logs, where no query value is
 * needed and a direct path's signature (`oh`, `oe`, `_nc_sid`…) must not appear.
 */
export function redactQueryValues(text: string): string {
  return text.replace(queryInText, (_match, query: string) => {
    const pairs = query.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    });
    return `?${pairs.join('&')}`;
  });
}

/** Options of {@link createSafeLogger}. */
export interface SafeLoggerOptions {
  /** Fields added to every line (e.g. `{ component: 'client' }`). */
  readonly bindings?: Readonly<Record<string, LogValue>>;
  /** Values never to print (keys, tokens), in addition to what redact.ts recognises. */
  readonly secrets?: readonly string[];
}

/** What the packages log through: fields are redacted before they reach the user's logger. */
export interface SafeLogger {
  /** Logs `msg` with `fields` at `level`. Never throws. */
  log(level: LogLevel, msg: string, fields?: Readonly<Record<string, LogValue>>): void;
  /** Registers more values never to print (a media key in its text forms, a token). */
  addSecret(...secrets: readonly (string | undefined)[]): void;
  /** A logger with more bindings, sharing (a copy of) the secrets so far and its own later ones. */
  child(bindings: Readonly<Record<string, LogValue>>): SafeLogger;
}

const NOOP: SafeLogger = {
  log() {},
  addSecret() {},
  child: () => NOOP,
};

/**
 * Wraps a user's {@link Logger}: every string field and the message go through
 * {@link redactText} with the registered secrets and {@link redactQueryValues}; a logger that throws is ignored. Without a
 * logger, a logger that does nothing (and costs nothing).
 */
export function createSafeLogger(
  logger: Logger | undefined,
  options: SafeLoggerOptions = {},
): SafeLogger {
  if (logger === undefined) return NOOP;
  const secrets = new Set<string>((options.secrets ?? []).filter((s) => s.length >= 4));
  const bindings = { ...options.bindings };
  const clean = (value: LogValue, depth: number): LogValue => {
    if (typeof value === 'string') return redactQueryValues(redactText(value, [...secrets]));
    if (value === null || typeof value !== 'object') return value;
    if (depth > 4) return '[nested]';
    if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1));
    const out: Record<string, LogValue> = {};
    for (const [key, child] of Object.entries(value as Record<string, LogValue>)) {
      if (child !== undefined) out[key] = clean(child, depth + 1);
    }
    return out;
  };
  return {
    log(level, msg, fields = {}) {
      try {
        const obj = clean({ ...bindings, ...fields }, 0) as Record<string, unknown>;
        logger[level](obj, redactQueryValues(redactText(msg, [...secrets])));
      } catch {
        // A failing logger must not fail the transfer it reports on.
      }
    },
    addSecret(...values) {
      for (const value of values) if (value !== undefined && value.length >= 4) secrets.add(value);
    },
    child(more) {
      return createSafeLogger(logger, {
        bindings: { ...bindings, ...more },
        secrets: [...secrets],
      });
    },
  };
}

/**
 * The text forms a binary secret (a media key) may be printed in: base64, base64url without
 * padding, and hex. Register all of them with {@link SafeLogger.addSecret}.
 */
export function secretForms(bytes: Uint8Array): string[] {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  const base64 = btoa(binary);
  const base64url = base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return [base64, base64url, hex, hex.toUpperCase()];
}
