// Which network addresses a request may reach: the private, loopback, link-local, unspecified
// and multicast ranges that a hostile URL or DNS answer uses to reach internal services (SSRF,
// DNS rebinding). Pure, and without node:net (the main entry runs in browsers): the core checks IP-literal hosts with it, the node adapter every
// address its lookup resolves.

/** A dotted-quad IPv4 address (the URL parser turns every IPv4 spelling into this form). */
const DOTTED_QUAD = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** IPv4 ranges nobody on the internet should make us reach, as [network, prefix bits]. */
const PRIVATE_V4: readonly (readonly [number, number])[] = [
  [0x00000000, 8], // 0.0.0.0/8 "this network"
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local (cloud metadata)
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24 protocol assignments
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15 benchmarking
  [0xe0000000, 3], // 224/4 multicast and 240/4 reserved, broadcast
];

function v4Number(address: string): number | undefined {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    return undefined;
  }
  return (
    (((parts[0] ?? 0) << 24) |
      ((parts[1] ?? 0) << 16) |
      ((parts[2] ?? 0) << 8) |
      (parts[3] ?? 0)) >>>
    0
  );
}

function isPrivateV4(address: string): boolean {
  const n = v4Number(address);
  if (n === undefined) return true; // not parseable: refuse rather than guess
  return PRIVATE_V4.some(([base, bits]) => n >>> (32 - bits) === base >>> (32 - bits));
}

/** The 8 groups of an IPv6 address (`::` expanded, a dotted IPv4 tail as two groups). */
function v6Groups(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1] !== undefined) {
    const n = v4Number(tail[1]);
    if (n === undefined) return undefined;
    text = `${text.slice(0, -tail[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(Math.max(fill, 0)).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

function isPrivateV6(address: string): boolean {
  const g = v6Groups(address);
  if (g === undefined) return true;
  const [a = 0, , , , , f = 0, s = 0, t = 0] = g;
  const zeroHead = g.slice(0, 5).every((x) => x === 0);
  if (zeroHead && f === 0xffff) return isPrivateV4(`${s >>> 8}.${s & 255}.${t >>> 8}.${t & 255}`);
  if (zeroHead && f === 0 && s === 0 && (t === 0 || t === 1)) return true; // :: and ::1
  return (
    (a & 0xfe00) === 0xfc00 || // fc00::/7 unique local
    (a & 0xffc0) === 0xfe80 || // fe80::/10 link-local
    (a & 0xffc0) === 0xfec0 || // fec0::/10 old site-local
    (a & 0xff00) === 0xff00 || // ff00::/8 multicast
    (a === 0x64 && g[1] === 0xff9b) // 64:ff9b::/96 NAT64 can reach any IPv4, private ones too
  );
}

/**
 * Whether an IP address is one a remote party must not steer us to: private (10/8,
 * 172.16/12, 192.168/16, fc00::/7), loopback, link-local (169.254/16 — cloud metadata —,
 * fe80::/10), unspecified, carrier-grade NAT, multicast or reserved. IPv4-mapped IPv6 is
 * judged as its IPv4 address.
 * @example isPrivateAddress('169.254.169.254') // → true
 */
export function isPrivateAddress(address: string): boolean {
  if (DOTTED_QUAD.test(address)) return isPrivateV4(address);
  if (address.includes(':')) return isPrivateV6(address);
  return false;
}

/** The IP literal of a URL's host (`[::1]` unbracketed), or `undefined` for a name. */
export function ipLiteralOf(url: URL): string | undefined {
  const host = url.hostname;
  if (host.startsWith('[')) return host.slice(1, -1);
  return DOTTED_QUAD.test(host) ? host : undefined;
}

/**
 * Why a request to `url` is refused under `publicAddressesOnly`, or `undefined`: only IP
 * literals are judged here (names are judged by the adapter's lookup, where it has one).
 */
export function privateDestination(url: URL, publicAddressesOnly: boolean): string | undefined {
  if (!publicAddressesOnly) return undefined;
  const ip = ipLiteralOf(url);
  return ip !== undefined && isPrivateAddress(ip)
    ? `Refused a request to the private, loopback or link-local address ${url.hostname}`
    : undefined;
}
