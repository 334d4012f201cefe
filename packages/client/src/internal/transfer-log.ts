// What a transfer tells the client's `logger`: started, each CDN host tried (with retries on
// the same host and failovers to another), media reupload, and how it ended (sizes, duration).
// Observed from outside the engines: an HttpClient wrapper per transfer and the transfer's
// events. Every line goes through transport's SafeLogger (secrets redacted, URL queries gone).

import {
  collectSecrets,
  type HttpClient,
  type HttpRequest,
  logSafeUrl,
  type SafeLogger,
} from '@wa-media/transport';
import type { Transfer } from '../transfers/transfer.js';

/** What a transfer's start line says, and the secrets none of its lines may show. */
export interface TransferDetails {
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  readonly secrets: readonly string[];
}

/** A transfer being logged: its own logger and the HTTP client that logs its requests. */
export interface LoggedTransfer {
  readonly log: SafeLogger;
  readonly http: HttpClient;
}

/** What the per-transfer HTTP wrapper saw: the hosts in the order they were tried. */
export interface HostTrail {
  readonly hosts: string[];
  requests: number;
}

function urlOf(request: HttpRequest): URL | undefined {
  try {
    return typeof request.url === 'string' ? new URL(request.url) : request.url;
  } catch {
    return undefined;
  }
}

/**
 * `http` with every request logged to `log`: `cdn request` (debug) for the first try and for
 * follow-up requests after a success (probe, next window), `retry` (warn) for the same host
 * after a failed request, `failover` (warn) for another host; `cdn response` (debug) with the
 * status and milliseconds, `cdn request failed` (warn) when no response came. The request's
 * own credentials (query values, Authorization) are registered as secrets before anything is
 * logged.
 */
export function loggingHttp(http: HttpClient, log: SafeLogger, trail: HostTrail): HttpClient {
  let previous: { host: string; failed: string | undefined } | undefined;
  return {
    name: http.name,
    config: http.config,
    supportsStreaming: http.supportsStreaming,
    async request(request) {
      const url = urlOf(request);
      log.addSecret(...collectSecrets(url, request.headers));
      const host = url?.host ?? '(invalid url)';
      if (!trail.hosts.includes(host)) trail.hosts.push(host);
      trail.requests += 1;
      const fields = {
        host,
        method: request.method ?? 'GET',
        url: url === undefined ? '(invalid url)' : logSafeUrl(url),
        ...(request.range === undefined ? {} : { rangeStart: request.range.start }),
        request: trail.requests,
      };
      if (previous !== undefined && previous.host !== host) {
        log.log('warn', 'failover', { ...fields, from: previous.host });
      } else if (previous?.failed !== undefined) {
        log.log('warn', 'retry', { ...fields, after: previous.failed });
      } else {
        log.log('debug', 'cdn request', fields);
      }
      const started = performance.now();
      try {
        const response = await http.request(request);
        const ms = Math.round(performance.now() - started);
        previous = { host, failed: response.ok ? undefined : `status ${response.status}` };
        log.log('debug', 'cdn response', { host, status: response.status, ms });
        return response;
      } catch (error) {
        const name = (error as { name?: unknown })?.name;
        previous = { host, failed: typeof name === 'string' ? name : 'error' };
        log.log('warn', 'cdn request failed', { host, error: errorFields(error) });
        throw error;
      }
    },
  };
}

/** `{ name, code, message }` of an error, for a log line (the message is redacted there). */
export function errorFields(error: unknown): { name: string; code?: string; message: string } {
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
  };
  return {
    name: typeof e.name === 'string' ? e.name : 'Error',
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    message: typeof e.message === 'string' ? e.message : String(error),
  };
}

function resultBytes(result: unknown): number | undefined {
  if (result instanceof Uint8Array) return result.length;
  const length = (result as { fileLength?: unknown } | null)?.fileLength;
  return typeof length === 'number' ? length : undefined;
}

/**
 * Logs how `transfer` ends: `transfer succeeded` (info, with bytes and ms), `transfer cancelled`
 * (info) or `transfer failed` (error, with the error's name, code and redacted message), each
 * with the hosts tried.
 */
export function logTransferEnd<T>(transfer: Transfer<T>, log: SafeLogger, trail: HostTrail): void {
  const started = performance.now();
  let lastProgress = 0;
  transfer.on('progress', ({ bytesDone }) => {
    lastProgress = bytesDone;
  });
  const common = (): Record<string, number | string[]> => ({
    ms: Math.round(performance.now() - started),
    hosts: [...trail.hosts],
    requests: trail.requests,
  });
  transfer.on('success', ({ result }) => {
    log.log('info', 'transfer succeeded', {
      ...common(),
      bytes: resultBytes(result) ?? lastProgress,
    });
  });
  transfer.on('error', ({ error }) => {
    const fields = { ...common(), bytesDone: lastProgress, error: errorFields(error) };
    if ((error as { name?: unknown })?.name === 'TransferCancelledError') {
      log.log('info', 'transfer cancelled', fields);
    } else {
      log.log('error', 'transfer failed', fields);
    }
  });
}

/**
 * Starts logging one transfer: a child logger bound to its id and kind (with `details.secrets`
 * registered), the `transfer started` line, the end line, and the HTTP wrapper for its requests.
 */
export function startTransferLog<T>(
  base: SafeLogger,
  http: HttpClient,
  transfer: Transfer<T>,
  details: TransferDetails,
): LoggedTransfer {
  const log = base.child({ transferId: transfer.id, kind: transfer.kind });
  log.addSecret(...details.secrets);
  const trail: HostTrail = { hosts: [], requests: 0 };
  log.log('info', 'transfer started', details.fields);
  logTransferEnd(transfer, log, trail);
  return { log, http: loggingHttp(http, log, trail) };
}

/**
 * The parts of a direct path no log may show: its whole query string, the credential values
 * redact.ts knows (`oh`…), and every other query value long enough to be a signature.
 */
export function directPathSecrets(directPath: string): string[] {
  const queryIndex = directPath.indexOf('?');
  if (queryIndex === -1) return [];
  const url = new URL(directPath, 'https://direct-path.invalid');
  const long = [...url.searchParams.values()].filter((value) => value.length >= 8);
  return [directPath.slice(queryIndex + 1), ...collectSecrets(url), ...long];
}
