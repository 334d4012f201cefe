// The hostile fault modes, observed from a plain HTTP client and the signalling API: each does
// what a client's defences will have to stop (the client-side tests build on these).
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  type BinaryNode,
  buildMediaConnIq,
  isMediaRetryNotificationFor,
  parseMediaConn,
} from '@wa-media/protocol';
import { describe, expect, it } from 'vitest';
import { useCdnEmulator } from '../test-support/cdn-fixture.js';
import { encryptForTest, json, rawRequest, uploadRequest } from '../test-support/http.js';

const cdn = useCdnEmulator();

async function storedBlob(size = 50_000): Promise<{ url: string; blob: Buffer }> {
  const { blob } = encryptForTest(randomBytes(size));
  const res = await rawRequest(uploadRequest(cdn.host, blob, cdn.auth));
  return { url: `http://${cdn.host}${json(res).direct_path as string}`, blob };
}

/** GETs `url`, reading at most `limit` bytes or for at most `ms`; then hangs up. */
function readSome(
  url: string,
  limit: number,
  ms: number,
): Promise<{ status: number; headers: Record<string, unknown>; bytes: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, (res) => {
      let bytes = 0;
      let ended = false;
      const finish = (): void => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, ended });
      };
      const timer = setTimeout(finish, ms);
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= limit) finish();
      });
      res.on('end', () => {
        ended = true;
        finish();
      });
      res.on('error', () => finish());
    });
    req.on('error', reject);
    req.end();
  });
}

describe('hostile CDN fault modes', () => {
  it('endless: no Content-Length and more bytes than the blob, without end', async () => {
    const { url, blob } = await storedBlob();
    cdn.emulator.faults.add({ on: 'download', fault: { kind: 'endless' } });
    const got = await readSome(url, 8 * 1024 * 1024, 10_000);
    expect(got.status).toBe(200);
    expect(got.headers['content-length']).toBeUndefined();
    expect(got.ended).toBe(false);
    expect(got.bytes).toBeGreaterThan(blob.length + 4 * 1024 * 1024);
  });

  it('drip: the body one byte per interval, under any idle timeout', async () => {
    const { url, blob } = await storedBlob();
    cdn.emulator.faults.add({ on: 'download', fault: { kind: 'drip', intervalMs: 50 } });
    const got = await readSome(url, blob.length, 600);
    expect(got.status).toBe(200);
    expect(got.headers['content-length']).toBe(String(blob.length));
    expect(got.bytes).toBeGreaterThanOrEqual(5);
    expect(got.bytes).toBeLessThan(30);
  });

  it('oversize: the blob and as much again, without Content-Length', async () => {
    const { url, blob } = await storedBlob();
    cdn.emulator.faults.add({ on: 'download', fault: { kind: 'oversize' } });
    const got = await readSome(url, Number.POSITIVE_INFINITY, 10_000);
    expect(got.ended).toBe(true);
    expect(got.headers['content-length']).toBeUndefined();
    expect(got.bytes).toBe(blob.length * 2);
  });

  it('redirect: any request answered with a Location to a host nobody chose', async () => {
    const { url } = await storedBlob();
    const location = 'http://127.0.0.1:9/latest/meta-data/iam';
    cdn.emulator.faults.add({ on: 'any', times: 2, fault: { kind: 'redirect', location } });
    const res = await rawRequest({ url });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(location);
    const upload = await rawRequest(uploadRequest(cdn.host, Buffer.from('x'), cdn.auth));
    expect(upload.status).toBe(302);
  });

  it('crlf-header: header values with a bare CR and LF, which HTTP clients must refuse', async () => {
    const { url } = await storedBlob();
    cdn.emulator.faults.add({ on: 'download', fault: { kind: 'crlf-header' } });
    const raw = await new Promise<string>((resolve) => {
      const { host, pathname, search } = new URL(url);
      const [hostname, port] = host.split(':');
      const socket = connect(Number(port), hostname!);
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
      });
      socket.on('close', () => resolve(text));
      socket.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    });
    expect(raw).toContain('X-Injected: a\rSet-Cookie');
    expect(raw).toContain('X-Also: b\nLocation');
    cdn.emulator.faults.add({ on: 'download', fault: { kind: 'crlf-header' } });
    await expect(fetch(url).then((res) => res.arrayBuffer())).rejects.toThrow();
  });

  it('refuses malformed hostile faults with bad-option', () => {
    const add = (fault: unknown) => () =>
      cdn.emulator.faults.add({ fault: fault as { kind: 'endless' } });
    expect(add({ kind: 'drip', intervalMs: 0 })).toThrow(/intervalMs/);
    expect(add({ kind: 'oversize', extraBytes: -1 })).toThrow(/extraBytes/);
    expect(add({ kind: 'redirect', location: 'a\r\nb' })).toThrow(/location/);
    expect(add({ kind: 'redirect', location: '/x', status: 200 })).toThrow(/status/);
  });
});

describe('hostile signalling modes', () => {
  const OWN = '15550001111:2@s.whatsapp.net';

  it("mediaConn 'garbage': replies no parser accepts", async () => {
    cdn.emulator.setSignalingBehavior({ mediaConn: 'garbage' });
    const signaling = cdn.emulator.signaling({ ownJid: OWN });
    for (let i = 0; i < 4; i++) {
      const reply = await signaling.query(buildMediaConnIq({ id: `q${i}` }), { timeoutMs: 2000 });
      expect(() => parseMediaConn(reply)).toThrow();
    }
    signaling.close();
  });

  it("mediaRetry 'garbage' and 'foreign': decoys with the message id come before the answer", async () => {
    for (const mode of ['garbage', 'foreign'] as const) {
      cdn.emulator.setSignalingBehavior({ mediaRetry: mode });
      const signaling = cdn.emulator.signaling({ ownJid: OWN });
      const seen: BinaryNode[] = [];
      const matchesId = isMediaRetryNotificationFor('3EB0DECOY');
      const waiting = signaling.waitFor(
        (node) => {
          if (matchesId(node)) seen.push(node);
          return false;
        },
        { timeoutMs: 300 },
      );
      await signaling.send({
        tag: 'receipt',
        attrs: { id: '3EB0DECOY', to: '15550001111@s.whatsapp.net', type: 'server-error' },
        content: [
          { tag: 'encrypt', attrs: {}, content: [] },
          {
            tag: 'rmr',
            attrs: { jid: '15550002222@s.whatsapp.net', from_me: 'false' },
          },
        ],
      });
      await waiting.catch(() => undefined);
      // The phone answers "general error" to this malformed receipt: the last node.
      expect(seen.length).toBeGreaterThanOrEqual(4);
      const chat = '15550002222@s.whatsapp.net';
      const ours = (origin: { chatJid: string; participant?: string }) =>
        seen.filter((node) => isMediaRetryNotificationFor('3EB0DECOY', origin)(node)).length;
      if (mode === 'foreign') {
        // Another chat's and another participant's are never ours.
        expect(ours({ chatJid: chat })).toBe(seen.length - 2);
      }
      signaling.close();
    }
  });
});
