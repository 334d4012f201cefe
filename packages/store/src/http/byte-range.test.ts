import { describe, expect, it } from 'vitest';
import { parseByteRange } from './byte-range.js';

describe('parseByteRange', () => {
  it('reads first-last, first- and -suffix ranges, clamped to the size', () => {
    expect(parseByteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseByteRange('bytes=-10', 1000)).toEqual({ start: 990, end: 999 });
    expect(parseByteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseByteRange('bytes=990-5000', 1000)).toEqual({ start: 990, end: 999 });
  });

  it('says unsatisfiable for a start past the end or an empty suffix', () => {
    expect(parseByteRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 1000)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-0', 0)).toBe('unsatisfiable');
  });

  it('ignores what it does not serve: several ranges, other units, garbage, inverted', () => {
    for (const header of [
      'bytes=0-1,5-6',
      'items=0-1',
      'bytes=-',
      'bytes=a-b',
      'bytes=5-2',
      `bytes=0-${'9'.repeat(80)}`,
    ]) {
      expect(parseByteRange(header, 1000)).toBeUndefined();
    }
    expect(parseByteRange(undefined, 1000)).toBeUndefined();
  });
});
