import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesField, concat, stringField, varintField } from '../test-support/wire.js';
import { base64UrlEncode } from './base64url.js';
import { sortFieldsByNumber } from './field-order.js';
import { SUBMESSAGE_FIELDS } from './wire-check.js';

describe('SUBMESSAGE_FIELDS', () => {
  it('matches every message-typed field of proto/wa_media.proto', () => {
    const schema = readFileSync(new URL('../../proto/wa_media.proto', import.meta.url), 'utf8');
    const messageNames = new Set(
      [...schema.matchAll(/^message (\w+) \{/gm)].map((match) => match[1]),
    );
    const derived: Record<string, Record<number, string>> = {};
    let current = '';
    for (const line of schema.split('\n')) {
      const open = /^message (\w+) \{/.exec(line);
      if (open?.[1]) current = open[1];
      const field = /^\s+(?:optional|repeated) (\w+) \w+ = (\d+);/.exec(line);
      if (field?.[1] && field[2] && messageNames.has(field[1])) {
        derived[current] ??= {};
        (derived[current] as Record<number, string>)[Number(field[2])] = field[1];
      }
    }
    expect(SUBMESSAGE_FIELDS).toEqual(derived);
  });
});

describe('sortFieldsByNumber', () => {
  it('returns sorted input itself and sorts nested modelled levels stably', () => {
    const sorted = concat(varintField(1, 1), stringField(2, 'a'));
    expect(sortFieldsByNumber(sorted, 'MessageKey')).toBe(sorted);
    const image = concat(
      stringField(11, '/p'),
      stringField(1, 'u'),
      bytesField(10, Uint8Array.of(1)),
      bytesField(10, Uint8Array.of(2)),
    );
    const input = concat(stringField(900, 'x'), bytesField(3, image), stringField(1, 'c'));
    expect(sortFieldsByNumber(input, 'Message')).toEqual(
      concat(
        stringField(1, 'c'),
        bytesField(
          3,
          concat(
            stringField(1, 'u'),
            bytesField(10, Uint8Array.of(1)),
            bytesField(10, Uint8Array.of(2)),
            stringField(11, '/p'),
          ),
        ),
        stringField(900, 'x'),
      ),
    );
  });
});

describe('base64UrlEncode', () => {
  it('matches Node for every length 0..40', () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 97 + length) & 0xff);
      expect(base64UrlEncode(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    }
  });
});
