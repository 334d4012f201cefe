import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './status.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads HTTP-dates relative to now, clamping the past to 0', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('returns null for missing or invalid values', () => {
    for (const value of [undefined, null, '', '-5', '1.5', 'soon', '12abc']) {
      expect(parseRetryAfter(value, now)).toBeNull();
    }
  });
});
