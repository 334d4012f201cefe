import type { FaultKind, RequestKind } from '../faults/types.js';

/** One CDN request as the emulator saw it. Secret values in the path are replaced by `***`. */
export interface RequestLogEntry {
  /** Order of arrival (1-based, across hosts). */
  readonly seq: number;
  /** Host index (0 = first host). */
  readonly host: number;
  /** `127.0.0.1:<port>` of that host. */
  readonly hostname: string;
  /** HTTP method (`GET`, `HEAD`, `POST`, …). */
  readonly method: string;
  /** `other` for requests that are none of upload, probe, download (e.g. unknown paths). */
  readonly kind: RequestKind | 'other';
  /**
   * Path and query, with the values of `auth`, `token`, `oh` and `hash` and an upload path's
   * token segment replaced by `***`.
   */
  readonly path: string;
  /** Status sent, or 0 when the connection ended before a response. */
  readonly status: number;
  /** Request body bytes received. */
  readonly bytesIn: number;
  /** Response body bytes sent (headers not counted). */
  readonly bytesOut: number;
  /** The `Range` header, when present. */
  readonly range?: string;
  /** The injected fault, when one applied. */
  readonly fault?: FaultKind;
  /** Why the emulator refused the request (e.g. `bad URL hash`), when it did. */
  readonly reason?: string;
  /** True when the connection ended before the exchange completed. */
  readonly aborted: boolean;
  /** Emulator clock when the request arrived (epoch ms). */
  readonly atMs: number;
}

/** A log entry while the request is in flight. */
export type LogDraft = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };
