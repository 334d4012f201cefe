/** What a CDN request is, as fault rules and the request log see it. */
export type RequestKind = 'upload' | 'probe' | 'download';

/** Statuses a `status` fault may answer with (the ones clients must handle, docs/protocol.md §4). */
export type FaultStatus = 401 | 403 | 404 | 410 | 429 | 500 | 502 | 503 | 504;

/**
 * One injected failure. "Body" means the response body for downloads and the request body for
 * uploads (what the client streams): a flipped upload byte is refused by the token check, a
 * reset upload keeps the bytes received so far. `truncate` always acts on the response body
 * (for uploads and probes, the JSON reply).
 */
export type Fault =
  /** Answer with this status (and `Retry-After` when `retryAfterSec` is set) instead of serving. */
  | {
      /** Answer with a status. */
      kind: 'status';
      /** The status to answer. */
      status: FaultStatus;
      /** Seconds for a `Retry-After` header. @default no header */
      retryAfterSec?: number;
    }
  /**
   * Abort the TCP connection (RST). Without `afterBytes`: before any response. With it: after
   * that many body bytes (for uploads, the bytes received so far are kept for resumption).
   */
  | {
      /** Reset the connection. */
      kind: 'reset';
      /** Body bytes to let through first. @default none: reset before any response */
      afterBytes?: number;
    }
  /** Promise the full `Content-Length`, send `afterBytes` body bytes, then close cleanly. */
  | {
      /** Cut the response body short. */
      kind: 'truncate';
      /** Body bytes to send before closing. @default half the body */
      afterBytes?: number;
    }
  /** XOR the body byte at `offset` with `mask`. */
  | {
      /** Corrupt one body byte. */
      kind: 'flip';
      /** Offset of the byte in the body. @default 0 */
      offset?: number;
      /** XOR mask. @default 0x01 */
      mask?: number;
    }
  /** Send (or read) nothing for `ms`: before the response, or after `afterBytes` body bytes. */
  | {
      /** Pause the body. */
      kind: 'stall';
      /** How long to pause, in ms. */
      ms: number;
      /** Body bytes to move before pausing. @default 0: before the response */
      afterBytes?: number;
    }
  /** Limit this request's body to `bytesPerSec` (both directions). */
  | {
      /** Slow the body down. */
      kind: 'throttle';
      /** Bandwidth of this request's body, in bytes per second. */
      bytesPerSec: number;
    }
  /**
   * A hostile download: `200` without `Content-Length` and body bytes without end, until the
   * client hangs up (or the emulator closes). Downloads only.
   */
  | {
      /** Never end the body. */
      kind: 'endless';
    }
  /**
   * A hostile download: the body `bytes` at a time, one piece every `intervalMs` (1 byte every
   * 250 ms never trips an idle timeout). Downloads only.
   */
  | {
      /** Drip the body. */
      kind: 'drip';
      /** Pause between pieces, in ms. */
      intervalMs: number;
      /** Bytes per piece. @default 1 */
      bytes?: number;
    }
  /**
   * A hostile download: the body, then `extraBytes` more, without `Content-Length` (so only
   * the client's own bound can stop it). Downloads only.
   */
  | {
      /** Send more than the blob. */
      kind: 'oversize';
      /** Bytes sent after the blob. @default the blob's length again */
      extraBytes?: number;
    }
  /** Answer any request with a redirect to `location` (a foreign host, a loopback address…). */
  | {
      /** Redirect elsewhere. */
      kind: 'redirect';
      /** The `Location` sent, as is. */
      location: string;
      /** @default 302 */
      status?: 301 | 302 | 303 | 307 | 308;
    }
  /**
   * Answer any request with a raw response whose headers carry a bare CR and a bare LF inside
   * values (header injection: `X-Injected: a\rSet-Cookie: …`, `…\nLocation: …`).
   */
  | {
      /** Send CR/LF inside header values. */
      kind: 'crlf-header';
    };

/** The `kind` of a {@link Fault}. */
export type FaultKind = Fault['kind'];

/** The kinds random mode picks from (the hostile ones are only added by rules). */
export type RandomFaultKind = 'status' | 'reset' | 'truncate' | 'flip' | 'stall';

/**
 * When a fault applies. All given conditions must match.
 *
 * @example
 * ```ts
 * // The first download from host 0 gets a 503 with Retry-After: 1.
 * emulator.faults.add({ on: 'download', host: 0, times: 1, fault: { kind: 'status', status: 503, retryAfterSec: 1 } });
 * ```
 */
export interface FaultRule {
  /** Request kind to match. @default 'any' */
  on?: RequestKind | 'any';
  /** HTTP method to match (`GET`, `HEAD`, `POST`). @default any */
  method?: string;
  /** Host index (0 = first host of the emulator). @default any */
  host?: number;
  /** Start at the n-th matching request (1-based): `nth: 2` spares the first one. @default 1 */
  nth?: number;
  /** How many matching requests get the fault. @default 1 */
  times?: number | 'always';
  /** The failure to inject. */
  fault: Fault;
}

/**
 * Random faults, reproducible: the same seed and the same request sequence give the same faults.
 *
 * @example
 * ```ts
 * emulator.faults.random({ seed: 42, rate: 0.2, kinds: ['status', 'reset'] });
 * ```
 */
export interface RandomFaultOptions {
  /** Seed of the pseudo-random sequence: the same seed gives the same faults. */
  seed: number;
  /** Probability (0..1) that a matching request gets a fault. */
  rate: number;
  /** Kinds to pick from. @default ['status', 'reset', 'truncate', 'flip', 'stall'] */
  kinds?: RandomFaultKind[];
  /** Request kind to affect. @default 'any' */
  on?: RequestKind | 'any';
  /** Host index to affect. @default any */
  host?: number;
}

/** A rule as the controller holds it, with its counters. */
export interface ActiveFaultRule {
  /** Id to remove the rule with (`faults.remove(id)`). */
  readonly id: string;
  /** The rule as added. */
  readonly rule: FaultRule;
  /** Matching requests seen so far. */
  readonly seen: number;
  /** Times the fault was injected so far. */
  readonly applied: number;
}
