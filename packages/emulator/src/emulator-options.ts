// Option resolution of `startEmulator`, pure: every option is checked (the message names it) and
// defaulted here, before the first server listens, so a bad one leaves nothing open.

import { randomBytes } from 'node:crypto';
import type { EmulatorHostOptions, EmulatorOptions } from './emulator-types.js';
import { EmulatorError } from './errors.js';
import type { MediaConnOptions } from './signaling/peer.js';

const DAY_MS = 86_400_000;
const MAX_HOSTS = 16;

/** One CDN host to open. */
export interface HostPlan {
  readonly index: number;
  /** Port on 127.0.0.1 (0: a free one). */
  readonly port: number;
  readonly type: 'primary' | 'fallback';
}

/** The emulator's settings, checked and defaulted. */
export interface EmulatorPlan {
  readonly hosts: readonly HostPlan[];
  readonly media: {
    readonly ttlMs: number;
    readonly expiredStatus: 404 | 410;
    readonly maxUploadBytes: number;
    readonly uploadIdleTimeoutMs: number;
  };
  readonly mediaConn: Required<MediaConnOptions>;
  /** Signs direct paths (`oh`). */
  readonly secret: Uint8Array;
  /** `undefined`: no control endpoint. */
  readonly control: { readonly port: number; readonly token: string } | undefined;
}

function bad(message: string): EmulatorError {
  return new EmulatorError('bad-option', message);
}

function checkPort(port: unknown, name: string): number {
  if (port === undefined) return 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad(`${name} must be an integer 0..65535`);
  }
  return port;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw bad(`${name} must be a positive number`);
  }
  return value;
}

function hostSpecs(hosts: EmulatorOptions['hosts']): EmulatorHostOptions[] {
  const specs: EmulatorHostOptions[] =
    hosts === undefined
      ? [{}, {}]
      : typeof hosts === 'number'
        ? Array.from({ length: hosts }, () => ({}))
        : hosts;
  if (
    (typeof hosts === 'number' && !Number.isInteger(hosts)) ||
    !Array.isArray(specs) ||
    specs.length < 1 ||
    specs.length > MAX_HOSTS
  ) {
    throw bad(`hosts must be a count or a list of 1 to ${MAX_HOSTS} hosts`);
  }
  return specs;
}

function planHosts(specs: readonly EmulatorHostOptions[]): HostPlan[] {
  return specs.map((spec, index) => {
    const port = checkPort(spec.port, `hosts[${index}].port`);
    const type = spec.type ?? (index === 0 ? 'primary' : 'fallback');
    if (type !== 'primary' && type !== 'fallback')
      throw bad(`hosts[${index}].type must be primary or fallback`);
    return { index, port, type };
  });
}

function resolveMedia(media: EmulatorOptions['media'] = {}): EmulatorPlan['media'] {
  const expiredStatus = media.expiredStatus ?? 404;
  if (expiredStatus !== 404 && expiredStatus !== 410)
    throw bad('media.expiredStatus must be 404 or 410');
  return {
    ttlMs: positive(media.ttlDays, 'media.ttlDays', 14) * DAY_MS,
    expiredStatus,
    maxUploadBytes: positive(media.maxUploadBytes, 'media.maxUploadBytes', 256 * 1024 * 1024),
    uploadIdleTimeoutMs: positive(media.uploadIdleTimeoutMs, 'media.uploadIdleTimeoutMs', 10_000),
  };
}

function resolveControl(control: EmulatorOptions['control']): EmulatorPlan['control'] {
  if (control === false) return undefined;
  if (control !== undefined && (typeof control !== 'object' || control === null)) {
    throw bad('control must be an object or false');
  }
  const port = checkPort(control?.port, 'control.port');
  // Hex, so the token never starts with '-' (a CLI flag value must not look like a flag).
  const token = control?.token ?? randomBytes(24).toString('hex');
  if (typeof token !== 'string' || token.length < 8)
    throw bad('control.token must be at least 8 characters');
  return { port, token };
}

/**
 * Checks and defaults every option of `startEmulator` (faults are checked as they are added).
 * @throws {EmulatorError} `bad-option`, naming the option.
 */
export function resolveEmulatorOptions(options: EmulatorOptions): EmulatorPlan {
  const specs = hostSpecs(options.hosts);
  const media = resolveMedia(options.media);
  const mediaConn = {
    ttlSec: positive(options.mediaConn?.ttlSec, 'mediaConn.ttlSec', 300),
    authTtlSec: positive(options.mediaConn?.authTtlSec, 'mediaConn.authTtlSec', 21_600),
    maxBuckets: positive(options.mediaConn?.maxBuckets, 'mediaConn.maxBuckets', 12),
  };
  if (options.startTimeMs !== undefined && !Number.isFinite(options.startTimeMs)) {
    throw bad('startTimeMs must be a number');
  }
  const secret =
    options.secret === undefined ? randomBytes(32) : Buffer.from(String(options.secret), 'utf8');
  // Ports and types after the rest, as they always were checked.
  const hosts = planHosts(specs);
  return { hosts, media, mediaConn, secret, control: resolveControl(options.control) };
}
