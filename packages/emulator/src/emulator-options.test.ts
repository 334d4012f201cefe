// Option resolution without a server: the defaults and each refusal, naming the option.
import { describe, expect, it } from 'vitest';
import { resolveEmulatorOptions } from './emulator-options.js';
import type { EmulatorOptions } from './emulator-types.js';

describe('resolveEmulatorOptions', () => {
  it('defaults to two hosts (primary, then fallback), 14 days, 404, 256 MiB and a control token', () => {
    const plan = resolveEmulatorOptions({});
    expect(plan.hosts).toEqual([
      { index: 0, port: 0, type: 'primary' },
      { index: 1, port: 0, type: 'fallback' },
    ]);
    expect(plan.media).toEqual({
      ttlMs: 14 * 86_400_000,
      expiredStatus: 404,
      maxUploadBytes: 256 * 1024 * 1024,
      uploadIdleTimeoutMs: 10_000,
    });
    expect(plan.mediaConn).toEqual({ ttlSec: 300, authTtlSec: 21_600, maxBuckets: 12 });
    expect(plan.secret).toHaveLength(32);
    expect(plan.control?.port).toBe(0);
    expect(plan.control?.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it('takes explicit hosts, media, control and secret', () => {
    const plan = resolveEmulatorOptions({
      hosts: [{ port: 4001, type: 'fallback' }, { type: 'primary' }],
      media: { ttlDays: 1, expiredStatus: 410, maxUploadBytes: 10, uploadIdleTimeoutMs: 5 },
      control: { port: 4100, token: 'long-enough-token' },
      secret: 'k',
    });
    expect(plan.hosts.map((h) => [h.port, h.type])).toEqual([
      [4001, 'fallback'],
      [0, 'primary'],
    ]);
    expect(plan.media).toEqual({
      ttlMs: 86_400_000,
      expiredStatus: 410,
      maxUploadBytes: 10,
      uploadIdleTimeoutMs: 5,
    });
    expect(plan.control).toEqual({ port: 4100, token: 'long-enough-token' });
    expect(Buffer.from(plan.secret).toString()).toBe('k');
    expect(resolveEmulatorOptions({ control: false }).control).toBeUndefined();
    expect(resolveEmulatorOptions({ hosts: 3 }).hosts).toHaveLength(3);
  });

  it('refuses bad options with bad-option, naming the option', () => {
    const cases: [EmulatorOptions, RegExp][] = [
      [{ hosts: 0 }, /hosts must be a count or a list of 1 to 16/],
      [{ hosts: 17 }, /hosts must be/],
      [{ hosts: 1.5 }, /hosts must be/],
      [{ hosts: [{ port: 70_000 }] }, /hosts\[0\]\.port must be an integer/],
      [{ hosts: [{}, { type: 'backup' as 'primary' }] }, /hosts\[1\]\.type/],
      [{ media: { expiredStatus: 403 as 404 } }, /media\.expiredStatus must be 404 or 410/],
      [{ media: { ttlDays: 0 } }, /media\.ttlDays must be a positive number/],
      [{ mediaConn: { maxBuckets: -1 } }, /mediaConn\.maxBuckets/],
      [{ startTimeMs: Number.NaN }, /startTimeMs must be a number/],
      [{ control: { token: 'short' } }, /control\.token must be at least 8/],
      [{ control: 'yes' as unknown as false }, /control must be an object or false/],
    ];
    for (const [options, message] of cases) {
      expect(() => resolveEmulatorOptions(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code: 'bad-option', message: expect.stringMatching(message) }),
      );
    }
  });
});
