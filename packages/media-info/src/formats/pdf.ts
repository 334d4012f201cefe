// A PDF's page count, when cheap: the largest /Count of a /Type /Pages object found in plain
// (uncompressed) objects. PDFs that keep their page tree in compressed object streams give none.

import type { MediaBytes } from '../source.js';

/** At most this much of a PDF is scanned. */
const MAX_SCAN_BYTES = 64 * 1024 * 1024;
/** An object longer than this is not looked into. */
const MAX_OBJECT_CHARS = 1024 * 1024;

const decoder = new TextDecoder('latin1');
const OBJECT = /\bobj\b([\s\S]*?)\bendobj\b/g;
const PAGES = /\/Type\s*\/Pages\b/;
const COUNT = /\/Count\s+(\d{1,9})\b/;

/** The page count, or `undefined` when the page tree is not in plain objects. Never throws. */
export async function readPdfPageCount(media: MediaBytes): Promise<number | undefined> {
  let best: number | undefined;
  let carry = '';
  let scanned = 0;
  for await (const chunk of media.chunks()) {
    scanned += chunk.length;
    const text = carry + decoder.decode(chunk);
    let consumed = 0;
    OBJECT.lastIndex = 0;
    for (let match = OBJECT.exec(text); match !== null; match = OBJECT.exec(text)) {
      consumed = OBJECT.lastIndex;
      const body = match[1] ?? '';
      if (!PAGES.test(body)) continue;
      const count = Number(COUNT.exec(body)?.[1]);
      if (count > 0 && (best === undefined || count > best)) best = count;
    }
    // Keep the unfinished rest (an object cut by the chunk boundary) for the next chunk.
    carry = text.slice(consumed);
    if (carry.length > MAX_OBJECT_CHARS) carry = carry.slice(-MAX_OBJECT_CHARS);
    if (scanned >= MAX_SCAN_BYTES) break;
  }
  return best;
}
