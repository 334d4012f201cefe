import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { isEmulatorError, startEmulator } from './index.js';
import { rawRequest } from './test-support/http.js';

function refused(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    request(url, { agent: false }, (res) => {
      res.resume();
      resolve(undefined);
    })
      .on('error', (error: NodeJS.ErrnoException) => resolve(error.code))
      .end();
  });
}

describe('startEmulator', () => {
  it('starts one server per host plus the control endpoint, and close() stops them all', async () => {
    const emulator = await startEmulator({
      hosts: [{ type: 'primary' }, { type: 'fallback' }, { type: 'fallback' }],
    });
    expect(emulator.hosts.map((h) => h.type)).toEqual(['primary', 'fallback', 'fallback']);
    expect(new Set(emulator.hosts.map((h) => h.port)).size).toBe(3);
    expect(emulator.hostnames.every((name) => /^127\.0\.0\.1:\d+$/.test(name))).toBe(true);
    // A generated control token is hex: it can never start with '-' and be taken for a CLI flag.
    expect(emulator.control!.token).toMatch(/^[0-9a-f]{48}$/);
    const urls = [...emulator.hosts.map((h) => `${h.origin}/x`), `${emulator.control!.url}/_info`];
    for (const url of urls) expect(await refused(url)).toBeUndefined();
    await emulator.close();
    await emulator.close(); // idempotent
    for (const url of urls) expect(await refused(url)).toBe('ECONNREFUSED');
    let error: unknown;
    try {
      emulator.signaling();
    } catch (caught) {
      error = caught;
    }
    expect(isEmulatorError(error) && error.code).toBe('closed');
  });

  it('listens on a fixed port when asked', async () => {
    const first = await startEmulator({ hosts: 1, control: false });
    const port = first.hosts[0]!.port;
    await first.close();
    const second = await startEmulator({ hosts: [{ port }], control: false });
    try {
      expect(second.hostnames).toEqual([`127.0.0.1:${port}`]);
    } finally {
      await second.close();
    }
  });

  it('refuses invalid options with a message naming the option', async () => {
    const cases: [unknown, RegExp][] = [
      [{ hosts: 0 }, /hosts/],
      [{ hosts: 1.5 }, /hosts/],
      [{ hosts: [{ port: 70_000 }] }, /hosts\[0\]\.port/],
      [{ media: { expiredStatus: 403 } }, /media\.expiredStatus/],
      [{ media: { ttlDays: -1 } }, /media\.ttlDays/],
      [{ mediaConn: { ttlSec: 'x' } }, /mediaConn\.ttlSec/],
      [{ faults: [{ fault: { kind: 'nope' } }] }, /rule\.fault\.kind/],
      [{ control: { token: 'short' } }, /control\.token/],
    ];
    for (const [options, message] of cases) {
      const error = await startEmulator(options as never).catch((e: unknown) => e);
      expect(isEmulatorError(error) && error.code).toBe('bad-option');
      expect((error as Error).message).toMatch(message);
    }
  });

  it('leaves nothing listening when startup fails, whatever option or port is at fault', async () => {
    const probe = await startEmulator({ hosts: 2, control: false });
    const [a, b] = probe.hosts.map((host) => host.port) as [number, number];
    await probe.close();
    const taken = await startEmulator({ hosts: [{ port: b }], control: false });
    const failures: [unknown, RegExp | string][] = [
      // Invalid control options are found before any host listens…
      [{ hosts: [{ port: a }], control: { token: 'short' } }, /control\.token/],
      [{ hosts: [{ port: a }], control: { port: -1 } }, /control\.port/],
      [{ hosts: [{ port: a }, { type: 'secondary' }] }, /hosts\[1\]\.type/],
      // …and a port that turns out to be taken closes the hosts already listening.
      [{ hosts: [{ port: a }, { port: b }], control: false }, 'EADDRINUSE'],
      [{ hosts: [{ port: a }], control: { port: b } }, 'EADDRINUSE'],
    ];
    try {
      for (const [options, expected] of failures) {
        const error = await startEmulator(options as never).catch((e: unknown) => e);
        if (typeof expected === 'string') expect((error as { code?: string }).code).toBe(expected);
        else expect(isEmulatorError(error) && error.message).toMatch(expected);
        // Port `a` is free again: nothing of the failed start is still listening on it.
        const again = await startEmulator({ hosts: [{ port: a }], control: false });
        await again.close();
      }
    } finally {
      await taken.close();
    }
  });

  it('reset() forgets media, auth tokens, faults, log and clock offset', async () => {
    const emulator = await startEmulator({ control: false });
    try {
      const media = emulator.putMedia(new Uint8Array(26));
      emulator.faults.add({ times: 'always', fault: { kind: 'status', status: 500 } });
      emulator.clock.advance(10_000_000);
      await rawRequest({ url: emulator.downloadUrls(media.directPath)[0]! });
      emulator.reset();
      expect(emulator.log).toEqual([]);
      expect(emulator.faults.rules).toEqual([]);
      expect(Math.abs(emulator.clock.now() - Date.now())).toBeLessThan(1000);
      expect(emulator.getMedia(media.directPath)).toBeUndefined();
      expect((await rawRequest({ url: emulator.downloadUrls(media.directPath)[0]! })).status).toBe(
        404,
      );
    } finally {
      await emulator.close();
    }
  });

  it('controls its clock', async () => {
    const emulator = await startEmulator({ control: false, startTimeMs: 1_700_000_000_000 });
    try {
      expect(Math.abs(emulator.clock.now() - 1_700_000_000_000)).toBeLessThan(1000);
      emulator.clock.set(2_000_000_000_000);
      emulator.clock.advance(5000);
      expect(Math.abs(emulator.clock.now() - 2_000_000_005_000)).toBeLessThan(1000);
      expect(() => emulator.clock.advance(Number.NaN)).toThrow(/ms must be a finite number/);
    } finally {
      await emulator.close();
    }
  });
});
