// The one host rule of the client: which URLs a download may fetch and which redirects it may
// follow. Allowed: https on WhatsApp's media domains (`whatsapp.net` and its subdomains, e.g.
// `mmg.whatsapp.net`, `media-*.cdn.whatsapp.net`), and the hosts of the current media_conn
// or the configured default hosts (plain http only for those, and only under `scheme: 'http'`).
// Private, loopback and link-local addresses are refused unless the caller opted in.

import type { MediaConn } from '@wa-media/protocol';
import type { DestinationRule, HttpClient } from '@wa-media/transport';

/** What the rule is built from. */
export interface CdnHostRuleInput {
  readonly scheme: 'https' | 'http';
  /** The configured hosts for downloads without a media connection (`host[:port]`). */
  readonly defaultHosts: readonly string[];
  /** The current media connection, if any (its hosts join the set). */
  readonly currentConn: () => MediaConn | undefined;
  /** The caller's explicit opt-in to private, loopback and link-local addresses. */
  readonly allowPrivateAddresses: boolean;
}

/** WhatsApp's media domain: the domain itself and every subdomain. */
const WHATSAPP_MEDIA_DOMAIN = 'whatsapp.net';

/** The client's host rule: one instance per client, asked for every URL and redirect. */
export class CdnHostRule {
  readonly #input: CdnHostRuleInput;
  /** What transport enforces on each request: the same rule for redirects, the address check. */
  readonly destinations: DestinationRule;

  constructor(input: CdnHostRuleInput) {
    this.#input = input;
    this.destinations = {
      allowRedirect: (url) => this.allows(url),
      publicAddressesOnly: !input.allowPrivateAddresses,
    };
  }

  /** Whether a download may fetch `url` (a string that does not parse is refused). */
  allows(url: string | URL): boolean {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return false;
    }
    if (parsed.username !== '' || parsed.password !== '') return false;
    const host = parsed.host.toLowerCase();
    const known = this.#knownHosts().has(host);
    if (parsed.protocol === 'http:') return known && this.#input.scheme === 'http';
    if (parsed.protocol !== 'https:') return false;
    const name = parsed.hostname.toLowerCase();
    return known || name === WHATSAPP_MEDIA_DOMAIN || name.endsWith(`.${WHATSAPP_MEDIA_DOMAIN}`);
  }

  /** `http` whose every request carries the rule (redirects checked, addresses checked). */
  guard(http: HttpClient): HttpClient {
    const destinations = this.destinations;
    return {
      name: http.name,
      config: http.config,
      supportsStreaming: http.supportsStreaming,
      request: (request) => http.request({ ...request, destinations }),
    };
  }

  #knownHosts(): Set<string> {
    const hosts = new Set(this.#input.defaultHosts.map((host) => host.toLowerCase()));
    for (const host of this.#input.currentConn()?.hosts ?? []) {
      hosts.add(host.hostname.toLowerCase());
    }
    return hosts;
  }
}
