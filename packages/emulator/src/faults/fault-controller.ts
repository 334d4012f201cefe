// Fault injection: validating fault rules, matching them to requests (by kind, host, count) and
// the random mode and bandwidth limit.

import { EmulatorError } from '../errors.js';
import type {
  ActiveFaultRule,
  Fault,
  FaultRule,
  FaultStatus,
  RandomFaultKind,
  RandomFaultOptions,
  RequestKind,
} from './types.js';

/** Scripted and random fault injection, plus the global bandwidth limit. */
export interface FaultController {
  /**
   * Adds a rule (rules are checked in the order added; the first one due wins).
   * @returns the rule's id, for {@link FaultController.remove}.
   * @throws {EmulatorError} `bad-option` when the rule is malformed.
   */
  add(rule: FaultRule): string;
  /** Removes one rule; false when the id is unknown. */
  remove(id: string): boolean;
  /** Removes every rule, stops random mode and lifts the bandwidth limit. */
  clear(): void;
  /**
   * Starts (or with `null` stops) random faults.
   * @throws {EmulatorError} `bad-option` when `rate` is outside 0..1.
   */
  random(options: RandomFaultOptions | null): void;
  /**
   * Limits every CDN body, all requests together, to `bytesPerSec` (`null` = unlimited).
   * @throws {EmulatorError} `bad-option` when not a positive number.
   */
  setBandwidth(bytesPerSec: number | null): void;
  /** The current rules with their counters. */
  readonly rules: readonly ActiveFaultRule[];
  /** The global limit in bytes per second, or null. */
  readonly bandwidth: number | null;
}

interface MutableRule {
  id: string;
  rule: FaultRule;
  seen: number;
  applied: number;
}

const STATUSES: readonly FaultStatus[] = [401, 403, 404, 410, 429, 500, 502, 503, 504];
const RANDOM_KINDS: readonly RandomFaultKind[] = ['status', 'reset', 'truncate', 'flip', 'stall'];
const RANDOM_STATUSES: readonly FaultStatus[] = [429, 500, 502, 503];

/** mulberry32: small, fast, and the same sequence on every platform. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bad(message: string): EmulatorError {
  return new EmulatorError('bad-option', message);
}

function isNonNegativeInt(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/** Validates a fault (rules may arrive as JSON from the control endpoint). */
export function validateFault(fault: unknown, where = 'fault'): Fault {
  if (typeof fault !== 'object' || fault === null) throw bad(`${where} must be an object`);
  const f = fault as Record<string, unknown>;
  switch (f.kind) {
    case 'status':
      if (!STATUSES.includes(f.status as FaultStatus)) {
        throw bad(`${where}.status must be one of ${STATUSES.join(', ')}, got ${String(f.status)}`);
      }
      if (f.retryAfterSec !== undefined && !isNonNegativeInt(f.retryAfterSec)) {
        throw bad(`${where}.retryAfterSec must be a non-negative integer`);
      }
      break;
    case 'reset':
    case 'truncate':
      if (f.afterBytes !== undefined && !isNonNegativeInt(f.afterBytes)) {
        throw bad(`${where}.afterBytes must be a non-negative integer`);
      }
      break;
    case 'flip':
      if (f.offset !== undefined && !isNonNegativeInt(f.offset)) {
        throw bad(`${where}.offset must be a non-negative integer`);
      }
      if (
        f.mask !== undefined &&
        (!isNonNegativeInt(f.mask) || (f.mask as number) < 1 || (f.mask as number) > 255)
      ) {
        throw bad(`${where}.mask must be an integer 1..255`);
      }
      break;
    case 'stall':
      if (!isNonNegativeInt(f.ms)) throw bad(`${where}.ms must be a non-negative integer`);
      if (f.afterBytes !== undefined && !isNonNegativeInt(f.afterBytes)) {
        throw bad(`${where}.afterBytes must be a non-negative integer`);
      }
      break;
    case 'throttle':
      if (typeof f.bytesPerSec !== 'number' || !(f.bytesPerSec > 0)) {
        throw bad(`${where}.bytesPerSec must be a positive number`);
      }
      break;
    case 'endless':
    case 'crlf-header':
      break;
    case 'drip':
      if (!isNonNegativeInt(f.intervalMs) || (f.intervalMs as number) < 1) {
        throw bad(`${where}.intervalMs must be an integer ≥ 1`);
      }
      if (f.bytes !== undefined && (!isNonNegativeInt(f.bytes) || (f.bytes as number) < 1)) {
        throw bad(`${where}.bytes must be an integer ≥ 1`);
      }
      break;
    case 'oversize':
      if (f.extraBytes !== undefined && !isNonNegativeInt(f.extraBytes)) {
        throw bad(`${where}.extraBytes must be a non-negative integer`);
      }
      break;
    case 'redirect':
      if (typeof f.location !== 'string' || f.location === '' || /[\r\n]/.test(f.location)) {
        throw bad(`${where}.location must be a non-empty string without CR/LF`);
      }
      if (f.status !== undefined && ![301, 302, 303, 307, 308].includes(f.status as number)) {
        throw bad(`${where}.status must be 301, 302, 303, 307 or 308`);
      }
      break;
    default:
      throw bad(
        `${where}.kind must be one of status, reset, truncate, flip, stall, throttle, endless, drip, oversize, redirect, crlf-header`,
      );
  }
  return fault as Fault;
}

function validateRule(rule: unknown): FaultRule {
  if (typeof rule !== 'object' || rule === null) throw bad('rule must be an object');
  const r = rule as Record<string, unknown>;
  if (r.on !== undefined && !['upload', 'probe', 'download', 'any'].includes(r.on as string)) {
    throw bad('rule.on must be upload, probe, download or any');
  }
  if (r.host !== undefined && !isNonNegativeInt(r.host))
    throw bad('rule.host must be a host index');
  if (r.method !== undefined && typeof r.method !== 'string')
    throw bad('rule.method must be a string');
  if (r.nth !== undefined && (!isNonNegativeInt(r.nth) || (r.nth as number) < 1)) {
    throw bad('rule.nth must be an integer ≥ 1');
  }
  if (
    r.times !== undefined &&
    r.times !== 'always' &&
    (!isNonNegativeInt(r.times) || (r.times as number) < 1)
  ) {
    throw bad("rule.times must be an integer ≥ 1 or 'always'");
  }
  validateFault(r.fault, 'rule.fault');
  return rule as FaultRule;
}

interface Match {
  kind: RequestKind;
  method: string;
  host: number;
}

function ruleMatches(
  rule: { on?: RequestKind | 'any'; method?: string; host?: number },
  m: Match,
): boolean {
  if (rule.on !== undefined && rule.on !== 'any' && rule.on !== m.kind) return false;
  if (rule.method !== undefined && rule.method.toUpperCase() !== m.method) return false;
  if (rule.host !== undefined && rule.host !== m.host) return false;
  return true;
}

/** The controller, plus the pick step the CDN calls once per request. */
export class Faults implements FaultController {
  #rules: MutableRule[] = [];
  #nextId = 1;
  #random: { options: RandomFaultOptions; next: () => number } | undefined;
  #bandwidth: number | null = null;

  add(rule: FaultRule): string {
    validateRule(rule);
    const id = `fault-${this.#nextId++}`;
    this.#rules.push({ id, rule: structuredClone(rule), seen: 0, applied: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length !== before;
  }

  clear(): void {
    this.#rules = [];
    this.#random = undefined;
    this.#bandwidth = null;
  }

  random(options: RandomFaultOptions | null): void {
    if (options === null) {
      this.#random = undefined;
      return;
    }
    if (typeof options.seed !== 'number' || !Number.isFinite(options.seed)) {
      throw bad('random.seed must be a number');
    }
    if (typeof options.rate !== 'number' || !(options.rate >= 0 && options.rate <= 1)) {
      throw bad(`random.rate must be between 0 and 1, got ${String(options.rate)}`);
    }
    for (const kind of options.kinds ?? []) {
      if (!RANDOM_KINDS.includes(kind)) throw bad(`random.kinds: unknown kind ${String(kind)}`);
    }
    this.#random = { options: structuredClone(options), next: seededRandom(options.seed) };
  }

  setBandwidth(bytesPerSec: number | null): void {
    if (bytesPerSec !== null && (typeof bytesPerSec !== 'number' || !(bytesPerSec > 0))) {
      throw bad('bytesPerSec must be a positive number or null');
    }
    this.#bandwidth = bytesPerSec;
  }

  get bandwidth(): number | null {
    return this.#bandwidth;
  }

  get rules(): readonly ActiveFaultRule[] {
    return this.#rules.map((r) => ({
      id: r.id,
      rule: structuredClone(r.rule),
      seen: r.seen,
      applied: r.applied,
    }));
  }

  /** Decides the fault (if any) for one request. Counts every matching rule. */
  pick(match: Match): Fault | undefined {
    let chosen: Fault | undefined;
    for (const entry of this.#rules) {
      if (!ruleMatches(entry.rule, match)) continue;
      entry.seen += 1;
      if (chosen !== undefined) continue;
      const times = entry.rule.times ?? 1;
      const due =
        entry.seen >= (entry.rule.nth ?? 1) && (times === 'always' || entry.applied < times);
      if (due) {
        entry.applied += 1;
        chosen = entry.rule.fault;
      }
    }
    if (chosen !== undefined || this.#random === undefined) return chosen;
    const { options, next } = this.#random;
    if (!ruleMatches(options, match)) return undefined;
    if (next() >= options.rate) return undefined;
    const kinds =
      options.kinds !== undefined && options.kinds.length > 0 ? options.kinds : RANDOM_KINDS;
    const kind = kinds[Math.floor(next() * kinds.length)] ?? 'status';
    // Offsets are drawn below 64 KiB and clamped to the body by the CDN, so they always land.
    const offset = Math.floor(next() * 65536);
    switch (kind) {
      case 'status':
        return {
          kind,
          status: RANDOM_STATUSES[Math.floor(next() * RANDOM_STATUSES.length)] ?? 503,
          retryAfterSec: 0,
        };
      case 'reset':
        return { kind, afterBytes: offset };
      case 'truncate':
        return { kind, afterBytes: offset };
      case 'flip':
        return { kind, offset, mask: 1 + Math.floor(next() * 255) };
      case 'stall':
        return { kind, ms: 50 + Math.floor(next() * 200) };
    }
  }
}
