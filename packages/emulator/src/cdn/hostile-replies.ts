// The CDN's hostile fault modes: bodies that never end, drip, or overrun the blob; redirects to
// hosts nobody chose; header values with CR/LF. They exist so clients can be tested against a
// CDN (or a sender's staticUrl) that attacks them, with no real attacker on the network.
import type { ServerResponse } from 'node:http';
import type { Fault } from '../faults/types.js';
import { sleepUnlessClosed } from './body-transfer.js';
import type { LogDraft } from './request-log.js';

const PIECE = 64 * 1024;

type HostileBodyFault = Extract<Fault, { kind: 'endless' | 'drip' | 'oversize' }>;

/** True for the faults {@link sendHostileBody} serves. */
export function isHostileBodyFault(fault: Fault | undefined): fault is HostileBodyFault {
  return fault?.kind === 'endless' || fault?.kind === 'drip' || fault?.kind === 'oversize';
}

async function write(res: ServerResponse, piece: Uint8Array, draft: LogDraft): Promise<void> {
  if (res.destroyed) return;
  const flowing = res.write(piece);
  draft.bytesOut += piece.length;
  if (flowing) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

/**
 * Serves `body` (the blob a download asked for) the hostile way `fault` says. Headers other than
 * Content-Length are the caller's; none is sent here for `endless` and `oversize`, so the client
 * cannot know where the body should end.
 */
export async function sendHostileBody(
  res: ServerResponse,
  body: Uint8Array,
  fault: HostileBodyFault,
  draft: LogDraft,
): Promise<void> {
  if (fault.kind === 'drip') {
    res.setHeader('Content-Length', body.length);
    res.flushHeaders();
    const step = fault.bytes ?? 1;
    for (let sent = 0; sent < body.length && !res.destroyed; sent += step) {
      await write(res, body.subarray(sent, sent + step), draft);
      if (sent + step < body.length) await sleepUnlessClosed(fault.intervalMs, res);
    }
    if (!res.destroyed) res.end();
    return;
  }
  res.removeHeader('Content-Length');
  res.flushHeaders();
  for (let sent = 0; sent < body.length && !res.destroyed; sent += PIECE) {
    await write(res, body.subarray(sent, sent + PIECE), draft);
  }
  const filler = new Uint8Array(PIECE).fill(0xa5);
  let extra = fault.kind === 'oversize' ? (fault.extraBytes ?? body.length) : Infinity;
  // `endless` runs until the client hangs up or the emulator closes its connections.
  while (extra > 0 && !res.destroyed) {
    const piece = extra >= PIECE ? filler : filler.subarray(0, extra);
    await write(res, piece, draft);
    extra -= piece.length;
    // Let timers and other sockets run between pieces.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (!res.destroyed) res.end();
}

/** Answers with `fault.status` (302) and `Location: fault.location`, as is. */
export function sendRedirect(
  res: ServerResponse,
  fault: Extract<Fault, { kind: 'redirect' }>,
): void {
  res.writeHead(fault.status ?? 302, { Location: fault.location, 'Content-Length': 0 });
  res.end();
}

/**
 * Writes a raw `200` whose header values carry a bare CR and a bare LF (Node's own response
 * API refuses them, so this goes straight to the socket), then closes the connection.
 */
export function sendCrlfHeaders(res: ServerResponse, draft: LogDraft): void {
  const body = 'injected';
  const head = [
    'HTTP/1.1 200 OK',
    'Content-Type: application/octet-stream',
    'X-Injected: a\rSet-Cookie: session=stolen',
    'X-Also: b\nLocation: http://127.0.0.1:9/',
    `Content-Length: ${body.length}`,
    'Connection: close',
  ].join('\r\n');
  draft.bytesOut += body.length;
  res.socket?.end(`${head}\r\n\r\n${body}`);
}
