// Raw HTTP helpers for the tests: node:http, so the tests control every header and can cut a
// body mid-way (fetch would not allow either).
import { createCipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Set when the connection failed (reset, premature close) — body holds what arrived. */
  error?: NodeJS.ErrnoException;
}

export interface RawRequest {
  url: string;
  method?: string;
  headers?: Record<string, string | number>;
  body?: Uint8Array;
  /** Send only this many body bytes, then destroy the socket (a cut upload). */
  cutAfter?: number;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

export function rawRequest(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let status = 0;
    let headers: RawResponse['headers'] = {};
    let settled = false;
    const finish = (error?: NodeJS.ErrnoException): void => {
      if (settled) return;
      settled = true;
      resolve({ status, headers, body: Buffer.concat(chunks), ...(error ? { error } : {}) });
    };
    const req = request(
      options.url,
      { method: options.method ?? 'GET', headers: options.headers ?? {} },
      (res) => {
        status = res.statusCode ?? 0;
        headers = res.headers;
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => finish());
        res.on('error', (error) => finish(error));
        res.on('aborted', () =>
          finish(Object.assign(new Error('aborted'), { code: 'ECONNRESET' })),
        );
        res.on('close', () => {
          if (!res.complete)
            finish(Object.assign(new Error('premature close'), { code: 'ECONNRESET' }));
        });
      },
    );
    req.on('error', (error) => finish(error));
    const body = options.body;
    if (body === undefined) {
      req.end();
    } else if (options.cutAfter !== undefined) {
      req.write(body.subarray(0, options.cutAfter), () => {
        setTimeout(() => req.destroy(), 30);
      });
    } else if (options.chunked === true) {
      req.write(body);
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** Encrypts like WhatsApp (docs/protocol.md §2) with bare node:crypto: blob = AES-CBC ‖ 10-byte MAC. */
export function encryptForTest(
  plaintext: Uint8Array,
  info = 'WhatsApp Image Keys',
): {
  blob: Buffer;
  mediaKey: Buffer;
  fileEncSha256: Buffer;
} {
  const mediaKey = randomBytes(32);
  const keys = Buffer.from(hkdfSync('sha256', mediaKey, Buffer.alloc(32), info, 112));
  const iv = keys.subarray(0, 16);
  const cipher = createCipheriv('aes-256-cbc', keys.subarray(16, 48), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', keys.subarray(48, 80))
    .update(iv)
    .update(ciphertext)
    .digest()
    .subarray(0, 10);
  const blob = Buffer.concat([ciphertext, mac]);
  return { blob, mediaKey, fileEncSha256: createHash('sha256').update(blob).digest() };
}

export function sha256Token(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
}

export const ORIGIN_HEADERS: Record<string, string> = {
  Origin: 'https://web.whatsapp.com',
  Referer: 'https://web.whatsapp.com/',
};

/** `http://host/mms/<type>/<token>?auth=…&token=…` with auth percent-encoded. */
export function uploadUrl(
  hostname: string,
  token: string,
  auth: string,
  options: { path?: string; extra?: string } = {},
): string {
  const path = options.path ?? '/mms/image';
  return `http://${hostname}${path}/${token}?auth=${encodeURIComponent(auth)}&token=${token}${options.extra ?? ''}`;
}

/** A well-formed upload of `blob` (the happy path every strictness test departs from). */
export function uploadRequest(
  hostname: string,
  blob: Uint8Array,
  auth: string,
  options: { path?: string; extra?: string; headers?: Record<string, string | number> } = {},
): RawRequest {
  return {
    url: uploadUrl(hostname, sha256Token(blob), auth, options),
    method: 'POST',
    headers: {
      ...ORIGIN_HEADERS,
      'Content-Type': 'application/octet-stream',
      'Content-Length': blob.length,
      ...options.headers,
    },
    body: blob,
  };
}

export function json(res: RawResponse): Record<string, unknown> {
  return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
}

/**
 * Writes `head` + `body` on a raw TCP socket in one write (so a body that overruns its
 * Content-Length arrives with it) and collects everything the server sends until it closes.
 * `end: true` half-closes after writing (the server sees EOF).
 */
export function rawExchange(
  hostname: string,
  head: string,
  body: Uint8Array,
  options: { end?: boolean } = {},
): Promise<{ text: string; status: number; json: Record<string, unknown> | undefined }> {
  const [host = '127.0.0.1', port = '0'] = hostname.split(':');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host, port: Number(port) });
    const finish = (): void => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const bodyText = text.slice(text.indexOf('\r\n\r\n') + 4);
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = JSON.parse(bodyText) as Record<string, unknown>;
      } catch {
        parsed = undefined;
      }
      resolve({ text, status, json: parsed });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // Done once a whole response is in (the server may keep the connection alive).
      const text = Buffer.concat(chunks).toString('latin1');
      const headEnd = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, headEnd))?.[1];
      if (headEnd >= 0 && length !== undefined && text.length >= headEnd + 4 + Number(length)) {
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.write(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => {
      if (options.end === true) socket.end();
    });
  });
}

/** The request head of a well-formed upload of `blob`, with `Content-Length: declared`. */
export function uploadHead(
  hostname: string,
  blob: Uint8Array,
  auth: string,
  declared: number,
): string {
  const url = new URL(uploadUrl(hostname, sha256Token(blob), auth));
  return (
    `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${hostname}\r\n` +
    `Origin: ${ORIGIN_HEADERS.Origin}\r\nContent-Type: application/octet-stream\r\n` +
    `Content-Length: ${declared}\r\n\r\n`
  );
}
