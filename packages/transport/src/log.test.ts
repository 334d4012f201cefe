import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createSafeLogger,
  type Logger,
  logSafeUrl,
  redactQueryValues,
  secretForms,
} from './log.js';

function capture(): Logger & { lines: { level: string; obj: unknown; msg: unknown }[] } {
  const lines: { level: string; obj: unknown; msg: unknown }[] = [];
  const at = (level: string) => (obj: unknown, msg?: unknown) => {
    lines.push({ level, obj, msg });
  };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('logSafeUrl', () => {
  it('keeps host, path and parameter names; drops every query value and the fragment', () => {
    expect(
      logSafeUrl(
        'https://mmg.whatsapp.net/v/t62.7118-24/1_2_n.enc?ccb=11-4&oh=01_AQ&oe=65F0&_nc_sid=5e03e0#x',
      ),
    ).toBe(
      'https://mmg.whatsapp.net/v/t62.7118-24/1_2_n.enc?ccb=REDACTED&oh=REDACTED&oe=REDACTED&_nc_sid=REDACTED',
    );
    // An upload URL carries its token in the path too.
    expect(logSafeUrl('https://h/mms/image/TOKEN123?auth=AUTH456&token=TOKEN123')).toBe(
      'https://h/mms/image/REDACTED?auth=REDACTED&token=REDACTED',
    );
    expect(logSafeUrl('/v/t62/x.enc?oh=abc')).toBe('/v/t62/x.enc?oh=REDACTED');
    expect(logSafeUrl('https://h/path')).toBe('https://h/path');
  });

  it('never lets a query value through (property)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{6,20}$/), (value) => {
        const url = `https://h/p?a=${value}&b=1`;
        expect(logSafeUrl(url)).not.toContain(value);
        expect(redactQueryValues(`GET ${url} failed`)).not.toContain(value);
      }),
    );
  });
});

describe('createSafeLogger', () => {
  it('redacts registered secrets, URL queries and Authorization in fields and message', () => {
    const sink = capture();
    const log = createSafeLogger(sink, {
      bindings: { component: 'test' },
      secrets: ['KEY-SECRET'],
    });
    log.addSecret('TOKEN-SECRET', undefined);
    log.log('warn', 'saw KEY-SECRET', {
      nested: { text: 'with TOKEN-SECRET inside', list: ['KEY-SECRET'] },
      url: 'http://h/x?oh=abcdef',
      header: 'authorization: Bearer zzzzzz',
      count: 3,
    });
    expect(sink.lines).toHaveLength(1);
    const text = JSON.stringify(sink.lines[0]);
    for (const secret of ['KEY-SECRET', 'TOKEN-SECRET', 'abcdef', 'zzzzzz']) {
      expect(text).not.toContain(secret);
    }
    expect(sink.lines[0]).toMatchObject({ level: 'warn', obj: { component: 'test', count: 3 } });
  });

  it('children add bindings and keep the parent secrets; a throwing logger is ignored', () => {
    const sink = capture();
    const parent = createSafeLogger(sink, { secrets: ['PARENT-SECRET'] });
    const child = parent.child({ transferId: 't1' });
    child.addSecret('CHILD-SECRET');
    child.log('info', 'PARENT-SECRET CHILD-SECRET');
    parent.log('info', 'CHILD-SECRET');
    expect(sink.lines[0]).toMatchObject({ obj: { transferId: 't1' }, msg: 'REDACTED REDACTED' });
    // The child's own secrets are its own.
    expect(sink.lines[1]?.msg).toBe('CHILD-SECRET');
    const broken = createSafeLogger({
      debug: () => {
        throw new Error('x');
      },
      info: () => {
        throw new Error('x');
      },
      warn: () => {
        throw new Error('x');
      },
      error: () => {
        throw new Error('x');
      },
    });
    expect(() => broken.log('error', 'fine')).not.toThrow();
    expect(() => createSafeLogger(undefined).log('info', 'nothing')).not.toThrow();
  });
});

describe('secretForms', () => {
  it('matches node:crypto’s base64, base64url and hex of the bytes', () => {
    const key = randomBytes(32);
    expect(secretForms(key)).toEqual([
      key.toString('base64'),
      key.toString('base64url'),
      key.toString('hex'),
      key.toString('hex').toUpperCase(),
    ]);
  });
});
