import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRangeHeader, parseContentRange, partialRangeMatches } from './range.js';

describe('formatRangeHeader', () => {
  it('turns the exclusive end into HTTP inclusive positions', () => {
    expect(formatRangeHeader({ start: 0, end: 10 })).toBe('bytes=0-9');
    expect(formatRangeHeader({ start: 5, end: 6 })).toBe('bytes=5-5');
    expect(formatRangeHeader({ start: 512 })).toBe('bytes=512-');
  });

  it('rejects bad ranges naming the parameter', () => {
    expect(() => formatRangeHeader({ start: -1 })).toThrow(/range\.start/);
    expect(() => formatRangeHeader({ start: 1.5 })).toThrow(/range\.start/);
    expect(() => formatRangeHeader({ start: 10, end: 10 })).toThrow(/range\.end/);
    expect(() => formatRangeHeader({ start: 10, end: 5 })).toThrow(RangeError);
  });
});

describe('parseContentRange', () => {
  it('parses the single-range form with an exclusive end', () => {
    expect(parseContentRange('bytes 0-9/100')).toEqual({ start: 0, end: 10, total: 100 });
    expect(parseContentRange('bytes 90-99/*')).toEqual({ start: 90, end: 100, total: null });
    expect(parseContentRange('BYTES 1-1/2')).toEqual({ start: 1, end: 2, total: 2 });
  });

  it('returns null for unsatisfied, malformed and inconsistent values', () => {
    for (const value of [
      undefined,
      null,
      '',
      'bytes */100',
      'bytes 5-4/100',
      'bytes 0-100/100',
      'items 0-1/2',
      'bytes 0-1',
      'bytes a-b/c',
    ]) {
      expect(parseContentRange(value)).toBeNull();
    }
  });

  it('round-trips with formatRangeHeader (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        fc.nat({ max: 2 ** 30 }),
        (start, length, extra) => {
          const end = start + length;
          const header = formatRangeHeader({ start, end });
          const [, first, last] = /^bytes=(\d+)-(\d+)$/.exec(header)!;
          const parsed = parseContentRange(`bytes ${first}-${last}/${end + extra}`);
          expect(parsed).toEqual({ start, end, total: end + extra });
        },
      ),
    );
  });
});

describe('partialRangeMatches', () => {
  it('accepts the asked start with the same or an earlier end, and any range when none was asked', () => {
    expect(partialRangeMatches({ start: 10, end: 20 }, { start: 10, end: 20, total: 30 })).toBe(
      true,
    );
    expect(partialRangeMatches({ start: 10, end: 20 }, { start: 10, end: 15, total: 15 })).toBe(
      true,
    );
    expect(partialRangeMatches({ start: 10 }, { start: 10, end: 99, total: null })).toBe(true);
    expect(partialRangeMatches(undefined, { start: 3, end: 4, total: 9 })).toBe(true);
  });

  it('rejects a missing range, another start, or an end beyond the one asked', () => {
    expect(partialRangeMatches(undefined, null)).toBe(false);
    expect(partialRangeMatches({ start: 10 }, null)).toBe(false);
    expect(partialRangeMatches({ start: 10 }, { start: 0, end: 30, total: 30 })).toBe(false);
    expect(partialRangeMatches({ start: 10, end: 20 }, { start: 10, end: 21, total: 30 })).toBe(
      false,
    );
  });
});
