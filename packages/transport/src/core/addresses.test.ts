// The address ranges a hostile URL or DNS answer must not steer a request to.
import { describe, expect, it } from 'vitest';
import { isPrivateAddress, privateDestination } from './addresses.js';

describe('isPrivateAddress', () => {
  it('refuses private, loopback, link-local, unspecified, CGNAT and multicast IPv4', () => {
    for (const ip of [
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '224.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
  });

  it('lets public IPv4 through, including the neighbours of the private ranges', () => {
    for (const ip of ['8.8.8.8', '157.240.1.1', '172.15.255.255', '172.32.0.1', '11.0.0.1']) {
      expect(isPrivateAddress(ip), ip).toBe(false);
    }
  });

  it('judges IPv6, and IPv4-mapped IPv6 as its IPv4 address', () => {
    for (const ip of ['::', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1%eth0', 'ff02::1']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    expect(isPrivateAddress('::ffff:127.0.0.1')).toBe(true);
    expect(isPrivateAddress('::ffff:7f00:1')).toBe(true);
    expect(isPrivateAddress('::ffff:8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2a03:2880:f003:c07:face:b00c::2')).toBe(false);
  });

  it('judges only IP literals in URLs (names are for the lookup)', () => {
    expect(privateDestination(new URL('http://[::1]:80/'), true)).toMatch(/private/);
    expect(privateDestination(new URL('http://127.0.0.1/'), false)).toBeUndefined();
    expect(privateDestination(new URL('https://mmg.whatsapp.net/'), true)).toBeUndefined();
  });
});
