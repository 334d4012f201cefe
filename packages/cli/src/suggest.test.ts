import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closestName, didYouMean, editDistance } from './suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
    expect(editDistance('params', 'params')).toBe(0);
    expect(editDistance('parms', 'params')).toBe(1);
    expect(editDistance('dowload', 'download')).toBe(1);
    expect(editDistance('dwonload', 'download')).toBe(1); // swap
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('is symmetric, zero only for equal strings, and bounded by the longer length', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).toBe(editDistance(b, a));
        expect(d === 0).toBe(a === b);
        expect(d).toBeLessThanOrEqual(Math.max(a.length, b.length));
      }),
    );
  });
});

describe('closestName', () => {
  const flags = ['params', 'message', 'direct-path', 'media-key', 'emulator', 'emulator-token'];
  it('suggests a close name or a unique prefix, and nothing for a far one', () => {
    expect(closestName('parms', flags)).toBe('params');
    expect(closestName('emulater', flags)).toBe('emulator');
    expect(closestName('direct', flags)).toBe('direct-path');
    expect(closestName('zzzzzz', flags)).toBeUndefined();
    expect(closestName('e', flags)).toBeUndefined(); // prefix of two
    expect(didYouMean('mesage', flags, '--')).toBe('; did you mean --message?');
    expect(didYouMean('qqq', flags)).toBe('');
  });
});
