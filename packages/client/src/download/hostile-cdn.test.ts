// Where media may come from, against the emulator and real 127.0.0.1 servers: a sender's
// staticUrl outside the CDN hosts is never fetched, a CDN redirect to an internal address is
// never followed, and without the opt-in a host name resolving to loopback is refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@wa-media/transport';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMediaClient } from '../client.js';
import {
  downloadFailure,
  equalBytes,
  type Harness,
  seedMedia,
  startHarness,
} from '../test-support/harness.js';

/** A 127.0.0.1 server that counts its hits and answers with `answer`. */
interface CountingServer {
  readonly port: number;
  hits: number;
  close(): void;
}

async function countingServer(answer: http.RequestListener): Promise<CountingServer> {
  const server = http.createServer();
  const counter: CountingServer = { port: 0, hits: 0, close: () => server.close() };
  server.on('request', (req, res) => {
    counter.hits += 1;
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(counter, { port: (server.address() as AddressInfo).port });
}

let h: Harness;
/** The "instance metadata service" nobody may reach. */
let metadata: CountingServer;
/** The sender's own host: answers every request with a 302 to the metadata service. */
let attacker: CountingServer;
const metadataUrl = (): string => `http://127.0.0.1:${metadata.port}/latest/meta-data/iam`;

beforeAll(async () => {
  h = await startHarness();
  metadata = await countingServer((_req, res) => res.end('{"AccessKeyId":"AKIA-secret"}'));
  attacker = await countingServer((_req, res) => {
    res.writeHead(302, { location: metadataUrl() }).end();
  });
});
afterAll(async () => {
  metadata.close();
  attacker.close();
  await h.close();
});
beforeEach(() => {
  h.emulator.faults.clear();
  metadata.hits = 0;
  attacker.hits = 0;
});

describe('where media may come from', () => {
  it("a staticUrl on the sender's host (302 to the metadata service) is ignored and logged", async () => {
    const media = seedMedia(h.emulator, 2048);
    const warnings: string[] = [];
    const note = (obj: unknown, msg?: string): void => {
      warnings.push(`${typeof obj === 'string' ? obj : (msg ?? '')} ${JSON.stringify(obj)}`);
    };
    const logger: Logger = { debug: () => {}, info: () => {}, warn: note, error: note };
    const client = h.makeClient({ logger });
    const staticUrl = `http://127.0.0.1:${attacker.port}/v/t62/evil?oh=sig`;
    const bytes = await client.download({ ...media.params, staticUrl });
    expect(equalBytes(bytes, media.plain)).toBe(true);
    expect(attacker.hits).toBe(0);
    expect(metadata.hits).toBe(0);
    expect(warnings.some((line) => line.includes('staticUrl outside the CDN hosts'))).toBe(true);
  });

  it('a CDN host redirecting to the metadata service: typed error, no request reaches it', async () => {
    const media = seedMedia(h.emulator, 2048);
    h.emulator.faults.add({
      on: 'download',
      times: 'always',
      fault: { kind: 'redirect', location: metadataUrl() },
    });
    const error = await downloadFailure(h.client.download(media.params));
    expect(error.code).toBe('all-hosts-failed');
    expect(JSON.stringify(error.attempts.map((a) => String(a.error)))).toMatch(
      /outside the allowed set/,
    );
    expect(metadata.hits).toBe(0);
  });

  it('without the opt-in, a host name that resolves to loopback is refused before connecting', async () => {
    const media = seedMedia(h.emulator, 2048);
    const client = createMediaClient({
      http: h.http,
      cdn: { scheme: 'http', defaultHosts: [`localhost:${metadata.port}`] },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    const error = await downloadFailure(client.download(media.params));
    expect(error.code).toBe('all-hosts-failed');
    expect(String(error.attempts.at(-1)?.error)).toMatch(/resolves to the private/);
    expect(metadata.hits).toBe(0);
  });
});
