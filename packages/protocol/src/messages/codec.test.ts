// The Message codec: round trips, unknown fields kept, strict decoding, and decoded objects that
// own their bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, ProtobufDecodeError } from '../errors.js';
import { type Message, Message as MessageFns } from '../generated/wa_media.pb.js';
import { I64_MIN, message, U64_MAX } from '../test-support/arbitraries.js';
import {
  bytesField,
  clean,
  concat,
  fixed32Field,
  fixed64Field,
  groupField,
  hex,
  stringField,
  tag,
  varint,
  varintField,
} from '../test-support/wire.js';
import {
  decodeExternalBlobReference,
  decodeHistorySyncNotification,
  decodeMessage,
  encodeMessage,
} from './codec.js';

describe('Message round trips', () => {
  it('decode(encode(m)) equals m, and re-encoding gives the same bytes (incl. 64-bit edges)', () => {
    fc.assert(
      fc.property(message, (original) => {
        const encoded = encodeMessage(original);
        const decoded = decodeMessage(encoded);
        expect(clean(decoded)).toEqual(clean(original));
        expect(hex(encodeMessage(decoded))).toBe(hex(encoded));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps explicit zero / false / empty values (presence)', () => {
    const original: Message = {
      imageMessage: {
        fileLength: 0n,
        height: 0,
        viewOnce: false,
        caption: '',
        jpegThumbnail: new Uint8Array(),
      },
    };
    const encoded = encodeMessage(original);
    expect(hex(encoded)).toBe(
      hex(
        bytesField(
          3,
          concat(
            stringField(3, ''),
            varintField(5, 0),
            varintField(6, 0),

            bytesField(16, new Uint8Array()),
            varintField(25, 0),
          ),
        ),
      ),
    );
    expect(clean(decodeMessage(encoded))).toEqual(clean(original));
  });

  it('encodes uint64 max and int64 min exactly as varints', () => {
    const encoded = encodeMessage({
      videoMessage: { fileLength: U64_MAX, mediaKeyTimestamp: I64_MIN },
    });
    expect(hex(encoded)).toBe(
      hex(bytesField(9, concat(varintField(4, U64_MAX), varintField(14, I64_MIN)))),
    );
    expect(decodeMessage(encoded).videoMessage?.fileLength).toBe(U64_MAX);
    expect(decodeMessage(encoded).videoMessage?.mediaKeyTimestamp).toBe(I64_MIN);
  });

  it('refuses non-bigint or out-of-range 64-bit values with a typed error', () => {
    expect(() => encodeMessage({ imageMessage: { fileLength: 5 as unknown as bigint } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => encodeMessage({ imageMessage: { fileLength: U64_MAX + 1n } })).toThrow(
      /fileLength/,
    );
    expect(
      MessageFns.fromPartial({ imageMessage: { fileLength: 5 } }).imageMessage?.fileLength,
    ).toBe(5n);
  });
});

// Hand-crafted: unknown fields of every wire type at several nesting levels, each written
// after the known fields of its message (field-number order, as encoders write them).
const unknownGroup = groupField(120, stringField(1, 'in group'), groupField(2, varintField(3, 7)));
const contextInfoLike = concat(
  stringField(1, 'quoted-id'),
  stringField(2, '1@s.whatsapp.net'),
  bytesField(3, stringField(1, 'hi')),
);
const imageBytes = concat(
  stringField(1, 'https://mmg.whatsapp.net/x'),
  bytesField(4, new Uint8Array(32).fill(4)),
  varintField(5, 12345),
  bytesField(10, stringField(1, 'annotation')), // interactiveAnnotations: not modelled
  bytesField(10, stringField(1, 'second annotation')),
  stringField(11, '/v/x.enc?oh=1'),
  bytesField(17, contextInfoLike), // contextInfo: not modelled
  stringField(26, '/thumb'),
  bytesField(30, stringField(2, 'annotations')),
  varintField(99, 5),
  fixed64Field(100, 0x0102030405060708n),
  fixed32Field(101, 0xdeadbeef),
  unknownGroup,
);
const innerMessage = concat(
  stringField(1, 'conversation text'), // Message.conversation: not modelled
  bytesField(
    9,
    concat(stringField(13, '/video'), bytesField(17, contextInfoLike), varintField(77, 1)),
  ),
  bytesField(500, stringField(1, 'future field')),
);
const crafted = concat(
  bytesField(3, imageBytes),
  bytesField(
    35,
    concat(
      bytesField(3, new Uint8Array([1, 2, 3])),
      bytesField(5, stringField(1, 'unmodelled context field')),
      bytesField(
        10,
        concat(
          varintField(1, 1),
          bytesField(2, concat(stringField(1, 'g@g.us'), stringField(3, 'ID'), varintField(9, 9))),
          varintField(8, 8),
        ),
      ),
    ),
  ),
  bytesField(37, concat(bytesField(1, innerMessage), varintField(2, 42))), // unknown inside the wrapper itself
  bytesField(55, bytesField(1, bytesField(40, bytesField(1, innerMessage)))),
  stringField(1000, 'top-level unknown'),
);

describe('unknown fields', () => {
  it('survive decode → encode byte for byte', () => {
    const decoded = decodeMessage(crafted);
    expect(decoded.imageMessage?.url).toBe('https://mmg.whatsapp.net/x');
    expect(decoded.imageMessage?.fileLength).toBe(12345n);
    expect(decoded.imageMessage?.thumbnailDirectPath).toBe('/thumb');
    expect(
      Object.keys(decoded.imageMessage?._unknownFields ?? {})
        .map(Number)
        .map((t) => t >>> 3),
    ).toEqual([10, 17, 30, 99, 100, 101, 120]);
    expect(decoded.viewOnceMessage?.message?.videoMessage?.directPath).toBe('/video');
    expect(
      decoded.viewOnceMessageV2?.message?.ephemeralMessage?.message?.videoMessage?.directPath,
    ).toBe('/video');
    expect(decoded.messageContextInfo?.messageAssociation?.parentMessageKey?.id).toBe('ID');
    expect(hex(encodeMessage(decoded))).toBe(hex(crafted));
  });

  it('also when the decoded object is spread and modified (the unknown fields travel along)', () => {
    const decoded = decodeMessage(crafted);
    const changed: Message = {
      ...decoded,
      imageMessage: { ...decoded.imageMessage, caption: 'new' },
    };
    const again = decodeMessage(encodeMessage(changed));
    expect(again.imageMessage?.caption).toBe('new');
    expect(again.imageMessage?._unknownFields).toEqual(decoded.imageMessage?._unknownFields);
    expect(
      encodeMessage({ ...again, imageMessage: { ...again.imageMessage, caption: undefined } }),
    ).toEqual(crafted);
  });

  it('raw Message.encode appends unknown fields; encodeMessage restores field order', () => {
    const decoded = decodeMessage(crafted);
    const raw = MessageFns.encode(decoded).finish();
    expect(raw.length).toBe(crafted.length);
    expect(hex(raw)).not.toBe(hex(crafted));
    expect(hex(encodeMessage(decodeMessage(raw)))).toBe(hex(crafted));
  });
});

describe('strict decoding', () => {
  const image = bytesField(3, stringField(1, 'u'));
  it.each<[string, Uint8Array]>([
    ['truncated length', concat(tag(3, 2), varint(10), new Uint8Array(3))],
    ['truncated varint', Uint8Array.of(0x28, 0xff)],
    ['zero tag at top level', concat(image, Uint8Array.of(0))],
    [
      'zero tag inside ImageMessage',
      bytesField(3, concat(stringField(1, 'u'), Uint8Array.of(0, 0x0a, 0))),
    ],
    ['stray end-group at top level', concat(image, tag(5, 4))],
    ['stray end-group inside a wrapper', bytesField(37, concat(bytesField(1, image), tag(7, 4)))],
    ['wire type 6', Uint8Array.of(0x0e)],
    ['unterminated group', concat(tag(9, 3), varintField(1, 1))],
    ['sub-message running past its parent', bytesField(37, concat(tag(1, 2), varint(50), image))],
  ])('%s → ProtobufDecodeError', (_, input) => {
    expect(() => decodeMessage(input)).toThrow(ProtobufDecodeError);
  });

  it('rejects non-bytes', () => {
    expect(() => decodeMessage('abc' as unknown as Uint8Array)).toThrow(ProtobufDecodeError);
  });

  it('rejects nesting deeper than 100 wrappers', () => {
    let deep = image;
    for (let i = 0; i < 60; i++) deep = bytesField(37, bytesField(1, deep));
    expect(() => decodeMessage(deep)).toThrow(ProtobufDecodeError);
  });

  it('decodes the other top-level messages strictly too', () => {
    expect(
      decodeHistorySyncNotification(concat(varintField(2, 7), stringField(5, '/h'))).fileLength,
    ).toBe(7n);
    expect(
      decodeExternalBlobReference(concat(stringField(2, '/e'), varintField(4, 9))).fileSizeBytes,
    ).toBe(9n);
    expect(() => decodeHistorySyncNotification(Uint8Array.of(0))).toThrow(ProtobufDecodeError);
    expect(() => decodeExternalBlobReference(Uint8Array.of(0x12, 5))).toThrow(ProtobufDecodeError);
  });
});

describe('decoded objects own their bytes', () => {
  it('do not change when the input buffer is reused', () => {
    const input = encodeMessage({ imageMessage: { mediaKey: new Uint8Array(32).fill(1) } });
    const decoded = decodeMessage(input);
    input.fill(0);
    expect(decoded.imageMessage?.mediaKey).toEqual(new Uint8Array(32).fill(1));
    // Also for a Node Buffer, whose slice() would be a view.
    const buffer = Buffer.from(
      encodeMessage({ imageMessage: { mediaKey: new Uint8Array(32).fill(2) } }),
    );
    const fromBuffer = decodeMessage(buffer);
    buffer.fill(0);
    expect(fromBuffer.imageMessage?.mediaKey).toEqual(new Uint8Array(32).fill(2));
  });
});
