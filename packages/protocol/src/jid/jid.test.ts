// JIDs: golden parses, refusals that keep the input, device and kind helpers, and properties.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidJidError, isInvalidJidError } from '../errors.js';
import {
  formatJid,
  isBroadcastJid,
  isGroupJid,
  isLidJid,
  isNewsletterJid,
  isStatusBroadcastJid,
  isUserJid,
  type Jid,
  jidWithoutDevice,
  MAX_JID_LENGTH,
  parseJid,
  toBareJid,
  tryParseJid,
} from './jid.js';

describe('parseJid (golden)', () => {
  it.each<[string, Jid]>([
    ['5511999999999@s.whatsapp.net', { user: '5511999999999', server: 's.whatsapp.net' }],
    [
      '5511999999999:3@s.whatsapp.net',
      { user: '5511999999999', server: 's.whatsapp.net', device: 3 },
    ],
    [
      '5511999999999.1:12@s.whatsapp.net',
      { user: '5511999999999', server: 's.whatsapp.net', agent: 1, device: 12 },
    ],
    [
      '5511999999999.2@s.whatsapp.net',
      { user: '5511999999999', server: 's.whatsapp.net', agent: 2 },
    ],
    [
      '5511999999999:0@s.whatsapp.net',
      { user: '5511999999999', server: 's.whatsapp.net', device: 0 },
    ],
    ['123456789012345:7@lid', { user: '123456789012345', server: 'lid', device: 7 }],
    ['5511999999999@c.us', { user: '5511999999999', server: 'c.us' }],
    ['120363025246125888@g.us', { user: '120363025246125888', server: 'g.us' }],
    ['5511999999999-1600000000@g.us', { user: '5511999999999-1600000000', server: 'g.us' }],
    ['status@broadcast', { user: 'status', server: 'broadcast' }],
    ['1600000000@broadcast', { user: '1600000000', server: 'broadcast' }],
    ['120363144038483540@newsletter', { user: '120363144038483540', server: 'newsletter' }],
    ['s.whatsapp.net', { user: '', server: 's.whatsapp.net' }],
    ['g.us', { user: '', server: 'g.us' }],
  ])('%s', (input, expected) => {
    expect(parseJid(input)).toEqual(expected);
    expect(formatJid(expected)).toBe(input);
  });
});

describe('parseJid rejects malformed input with the input kept', () => {
  it.each([
    ['', 'non-empty'],
    ['@s.whatsapp.net', 'empty user'],
    ['a@b@s.whatsapp.net', 'more than one'],
    ['user@', 'server'],
    ['user@S.WhatsApp.net', 'server'],
    ['user@s.whatsapp.net ', 'server'],
    ['us er@g.us', 'whitespace'],
    ['1:2:3@s.whatsapp.net', 'user[.agent][:device]'],
    ['1.2.3@s.whatsapp.net', 'user[.agent][:device]'],
    ['1:@s.whatsapp.net', 'user[.agent][:device]'],
    ['1:03@s.whatsapp.net', 'user[.agent][:device]'],
    ['1:x@lid', 'user[.agent][:device]'],
    ['1:65536@s.whatsapp.net', 'device 65536 is above 65535'],
    ['1.256@s.whatsapp.net', 'agent 256 is above 255'],
    ['.1@s.whatsapp.net', 'user[.agent][:device]'],
  ])('%j', (input, reason) => {
    let caught: unknown;
    try {
      parseJid(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidJidError);
    expect(isInvalidJidError(caught)).toBe(true);
    expect((caught as InvalidJidError).input).toBe(input);
    expect((caught as InvalidJidError).code).toBe('invalid-jid');
    expect((caught as Error).message).toContain(reason);
    expect(tryParseJid(input)).toBeUndefined();
  });

  it('refuses JIDs longer than MAX_JID_LENGTH, echoing only a short prefix', () => {
    const group = `${'1'.repeat(MAX_JID_LENGTH - '@g.us'.length)}@g.us`;
    expect(parseJid(group).server).toBe('g.us');
    const huge = `${'1'.repeat(1_000_000)}@s.whatsapp.net`;
    let caught: unknown;
    try {
      parseJid(huge);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidJidError);
    expect((caught as Error).message.length).toBeLessThan(200);
    expect(tryParseJid(`1${group}`)).toBeUndefined();
  });

  it('rejects non-strings without crashing', () => {
    expect(() => parseJid(undefined as unknown as string)).toThrow(InvalidJidError);
    expect(() => parseJid(42 as unknown as string)).toThrow(InvalidJidError);
  });

  it('formatJid refuses parts that would not parse back', () => {
    expect(() => formatJid({ user: '1', server: 'g.us', device: 2 })).toThrow(InvalidJidError);
    expect(() => formatJid({ user: '1:2', server: 's.whatsapp.net' })).toThrow(InvalidJidError);
    expect(() => formatJid({ user: 'a', server: 'Bad' })).toThrow(InvalidJidError);
  });
});

describe('jidWithoutDevice / kinds', () => {
  it('drops agent and device', () => {
    expect(jidWithoutDevice('5511999999999.1:12@s.whatsapp.net')).toBe(
      '5511999999999@s.whatsapp.net',
    );
    expect(jidWithoutDevice('123:4@lid')).toBe('123@lid');
    expect(jidWithoutDevice('120363025246125888@g.us')).toBe('120363025246125888@g.us');
    expect(toBareJid({ user: '1', server: 's.whatsapp.net', device: 9 })).toBe('1@s.whatsapp.net');
    expect(() => jidWithoutDevice('nope@@x')).toThrow(InvalidJidError);
  });

  it('classifies servers', () => {
    const kinds = (jid: string) =>
      [isGroupJid, isNewsletterJid, isBroadcastJid, isStatusBroadcastJid, isLidJid, isUserJid]
        .filter((is) => is(jid))
        .map((is) => is.name);
    expect(kinds('1-2@g.us')).toEqual(['isGroupJid']);
    expect(kinds('1@newsletter')).toEqual(['isNewsletterJid']);
    expect(kinds('1@broadcast')).toEqual(['isBroadcastJid']);
    expect(kinds('status@broadcast')).toEqual(['isBroadcastJid', 'isStatusBroadcastJid']);
    expect(kinds('1:2@lid')).toEqual(['isLidJid']);
    expect(kinds('1:2@s.whatsapp.net')).toEqual(['isUserJid']);
    expect(kinds('1@c.us')).toEqual(['isUserJid']);
    expect(kinds('not a jid@g.us')).toEqual([]);
    expect(isGroupJid({ user: '1', server: 'g.us' })).toBe(true);
  });
});

const number = (max: number) => fc.integer({ min: 0, max });
const accountJid: fc.Arbitrary<Jid> = fc
  .record(
    {
      user: fc.stringMatching(/^[0-9A-Za-z_-]{1,20}$/),
      server: fc.constantFrom('s.whatsapp.net', 'c.us', 'lid', 'hosted', 'hosted.lid'),
      agent: number(255),
      device: number(65535),
    },
    { requiredKeys: ['user', 'server'] },
  )
  .map((jid) => jid as Jid);
const otherJid: fc.Arbitrary<Jid> = fc.record({
  user: fc.stringMatching(/^[^@\s]{1,20}$/),
  server: fc.constantFrom('g.us', 'broadcast', 'newsletter', 'call', 'bot', 'example-1.net'),
});

describe('properties', () => {
  it('parse(format(jid)) equals jid', () => {
    fc.assert(
      fc.property(fc.oneof(accountJid, otherJid), (jid) => {
        expect(parseJid(formatJid(jid))).toEqual(jid);
      }),
    );
  });

  it('format(parse(s)) === s for every accepted string; others throw InvalidJidError', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'01:.@ab-_sgwhatsp.nu\t'), maxLength: 24 }),
        (text) => {
          const parsed = tryParseJid(text);
          if (parsed === undefined) {
            expect(() => parseJid(text)).toThrow(InvalidJidError);
          } else {
            expect(formatJid(parsed)).toBe(text);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('jidWithoutDevice keeps user and server and is idempotent', () => {
    fc.assert(
      fc.property(accountJid, (jid) => {
        const bare = jidWithoutDevice(jid);
        expect(parseJid(bare)).toEqual({ user: jid.user, server: jid.server });
        expect(jidWithoutDevice(bare)).toBe(bare);
      }),
    );
  });
});
