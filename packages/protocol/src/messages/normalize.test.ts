import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { decodeMessage, encodeMessage } from './codec.js';
import {
  BYTES_FIELDS,
  INT64_FIELDS,
  keyInfo,
  normalizeMessage,
  normalizeMessageInput,
  toBytes,
  toUint64,
} from './normalize.js';

const proto = readFileSync(new URL('../../proto/wa_media.proto', import.meta.url), 'utf8');

/** Field names declared with `type` in the .proto, and every type any name is declared with. */
function protoFields(): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const match of proto.matchAll(
    /^\s*(?:optional|repeated|required)?\s*([\w.]+)\s+(\w+)\s*=\s*\d+/gm,
  )) {
    const [, type, name] = match as unknown as [string, string, string];
    if (type === 'message' || type === 'enum' || type === 'reserved') continue;
    fields.set(name, (fields.get(name) ?? new Set()).add(type));
  }
  return fields;
}

const key = new Uint8Array(32).map((_, i) => i);
const sha = new Uint8Array(32).fill(7);

describe('field tables', () => {
  const fields = protoFields();
  it('lists exactly the bytes and 64-bit fields of the .proto, each name with one type', () => {
    const bytes = [...fields].filter(([, types]) => types.has('bytes')).map(([name]) => name);
    const int64 = [...fields]
      .filter(([, types]) => [...types].some((type) => /^(u|s)?(int|fixed)64$/.test(type)))
      .map(([name]) => name);
    expect(new Set(bytes)).toEqual(BYTES_FIELDS);
    expect(new Set(int64)).toEqual(INT64_FIELDS);
    for (const name of [...bytes, ...int64]) expect(fields.get(name)?.size, name).toBe(1);
  });
});

describe('toBytes', () => {
  it('reads every JSON form of the same bytes', () => {
    const b64 = Buffer.from(key).toString('base64');
    const forms: unknown[] = [
      key,
      Buffer.from(key),
      b64,
      Buffer.from(key).toString('base64url'),
      { type: 'Buffer', data: b64 },
      { $b64: b64 },
      { type: 'Buffer', data: [...key] },
      JSON.parse(JSON.stringify(Buffer.from(key))),
      JSON.parse(JSON.stringify(key)),
      [...key],
    ];
    for (const form of forms) expect(toBytes(form, 'f')).toEqual(key);
    expect(toBytes(Buffer.from(key), 'f').constructor).toBe(Uint8Array);
  });

  it('names the field for anything else', () => {
    for (const bad of [12, true, 'not base64!', { a: 1 }, [256], { 0: -1 }, { type: 'Buffer' }]) {
      expect(() => toBytes(bad, 'message.imageMessage.mediaKey')).toThrow(
        expect.objectContaining({
          name: 'InvalidArgumentError',
          parameter: 'message.imageMessage.mediaKey',
        }),
      );
    }
  });

  it('round-trips any bytes through BufferJSON, base64 and JSON.stringify', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b64 = Buffer.from(bytes).toString('base64');
        expect(toBytes(b64, 'f')).toEqual(bytes);
        expect(toBytes({ type: 'Buffer', data: b64 }, 'f')).toEqual(bytes);
        expect(toBytes(JSON.parse(JSON.stringify(bytes)), 'f')).toEqual(bytes);
      }),
    );
  });
});

describe('toUint64', () => {
  it('reads bigint, number, string and Long (object or JSON)', () => {
    const big = 2n ** 40n + 5n;
    for (const form of [big, Number(big), String(big), { low: 5, high: 256, unsigned: true }]) {
      expect(toUint64(form, 'f')).toBe(big);
    }
    expect(toUint64({ low: -1, high: -1, unsigned: true }, 'f')).toBe(2n ** 64n - 1n);
    expect(toUint64({ low: -1, high: 0, unsigned: false }, 'f')).toBe(2n ** 32n - 1n);
  });

  it('refuses fractions, negatives, overflow and junk, naming the field', () => {
    for (const bad of [1.5, -1, 2 ** 60, '12abc', '-3', 2n ** 64n, { low: 0, high: -1 }, {}, 'x']) {
      expect(() => toUint64(bad, 'message.videoMessage.fileLength')).toThrow(InvalidArgumentError);
      expect(() => toUint64(bad, 'message.videoMessage.fileLength')).toThrow(/fileLength/);
    }
  });

  it('agrees with BigInt for any uint64 written as hi/lo words', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (value) => {
        const low = Number(value & 0xffffffffn) | 0;
        const high = Number(value >> 32n) | 0;
        expect(toUint64({ low, high, unsigned: true }, 'f')).toBe(value);
        expect(toUint64(value.toString(), 'f')).toBe(value);
      }),
    );
  });
});

describe('normalizeMessage', () => {
  const baileysLike = {
    ephemeralMessage: {
      message: {
        imageMessage: {
          url: null,
          directPath: '/v/t62/x?ccb=1',
          mediaKey: { type: 'Buffer', data: Buffer.from(key).toString('base64') },
          fileSha256: Buffer.from(sha).toString('base64'),
          fileEncSha256: JSON.parse(JSON.stringify(sha)),
          fileLength: { low: 1234, high: 0, unsigned: true },
          mediaKeyTimestamp: 1_700_000_000,
          scanLengths: [1, 2],
          height: 10,
          caption: null,
          contextInfo: { stanzaId: 'abc', quotedMessage: null },
        },
      },
    },
  };

  it('turns a Baileys / JSON message into one our encoder writes byte for byte', () => {
    const message = normalizeMessage(baileysLike);
    const image = message.ephemeralMessage?.message?.imageMessage;
    expect(image).toMatchObject({
      directPath: '/v/t62/x?ccb=1',
      mediaKey: key,
      fileSha256: sha,
      fileEncSha256: sha,
      fileLength: 1234n,
      mediaKeyTimestamp: 1_700_000_000n,
      scanLengths: [1, 2],
      height: 10,
    });
    expect(image && 'url' in image).toBe(false);
    expect(decodeMessage(encodeMessage(message)).ephemeralMessage?.message?.imageMessage).toEqual(
      expect.objectContaining({ fileLength: 1234n, mediaKey: key }),
    );
  });

  it('keeps a decoded message (unknown fields included) as encodeMessage wrote it', () => {
    const bytes = encodeMessage(normalizeMessage(baileysLike));
    const decoded = decodeMessage(bytes);
    expect(encodeMessage(normalizeMessage(decoded))).toEqual(bytes);
  });

  it('names the nested field at fault', () => {
    expect(() =>
      normalizeMessage({ documentMessage: { fileLength: 'lots', directPath: '/d' } }),
    ).toThrow(expect.objectContaining({ parameter: 'message.documentMessage.fileLength' }));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => normalizeMessage(cyclic)).toThrow(/nested too deeply/);
  });
});

describe('normalizeMessageInput', () => {
  it('takes a WAMessage: the key fills the reupload fields, LID alternates as fallback', () => {
    const result = normalizeMessageInput({
      key: {
        remoteJid: '123@g.us',
        fromMe: false,
        id: 'ABC',
        participant: null,
        participantAlt: '9@lid',
      },
      message: { imageMessage: { directPath: '/i', mediaKey: key } },
      messageTimestamp: { low: 1, high: 0, unsigned: true },
    });
    expect(result.key).toEqual({
      msgId: 'ABC',
      chatJid: '123@g.us',
      isFromMe: false,
      participant: '9@lid',
    });
    expect(result.message.imageMessage?.mediaKey).toEqual(key);
    expect(keyInfo({ remoteJidAlt: '1@s.whatsapp.net', id: 'X', fromMe: true })).toEqual({
      msgId: 'X',
      chatJid: '1@s.whatsapp.net',
      isFromMe: true,
    });
    expect(keyInfo({ id: 'X' })).toBeUndefined();
  });

  it('takes a plain Message as it is, and refuses non-objects', () => {
    expect(normalizeMessageInput({ imageMessage: { directPath: '/i' } })).toEqual({
      message: { imageMessage: { directPath: '/i' } },
    });
    for (const bad of [null, 'x', 3, []]) {
      expect(() => normalizeMessageInput(bad as never)).toThrow(InvalidArgumentError);
    }
  });
});
