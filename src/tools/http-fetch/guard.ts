import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard of `fetch_page`: which hosts and addresses a fetch may reach. Every hop (the first URL
 * and each redirect) is checked here before anything is sent, and the connection is then pinned to the
 * address checked (see `fetch.ts`).
 */

/** Thrown for a URL the guard refuses; the tool turns it into an "error:" output. */
export class FetchRefused extends Error {
  override name = 'FetchRefused';
}

/**
 * True for a globally routable unicast address. ipaddr.js classifies each address with `range()`:
 * everything but plain `unicast` is refused: loopback (127/8, ::1), private (10/8, 172.16/12,
 * 192.168/16), unique local (fc00::/7), link-local (169.254/16, where cloud metadata lives, fe80::/10),
 * unspecified (0/8, ::), multicast, broadcast, carrier-grade NAT (100.64/10), reserved and documentation
 * ranges, and the IPv6 ranges that embed an IPv4 address (NAT64 64:ff9b::/96, 6to4, Teredo), which could
 * otherwise smuggle a private IPv4 target. IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 it
 * maps.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/** `example.com` allows `example.com` and `docs.example.com`; a leading dot (`.example.com`) is ignored. */
export function hostAllowed(hostname: string, allowedHosts: readonly string[] | undefined): boolean {
  if (!allowedHosts) return true;
  const host = normalizeHost(hostname);
  return allowedHosts.some((entry) => {
    const allowed = normalizeHost(entry).replace(/^\./, '');
    return allowed !== '' && (host === allowed || host.endsWith(`.${allowed}`));
  });
}

/** Lower case, no IPv6 brackets, no trailing dot of a fully qualified name. */
export function normalizeHost(hostname: string): string {
  return hostname
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '');
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface GuardOptions {
  allowedHosts?: readonly string[];
  /** Decides each resolved address; `isPublicAddress` unless private networks are allowed. */
  isAddressAllowed: (address: string) => boolean;
}

/**
 * Checks a URL and resolves its host, returning the addresses to connect to: http(s) only, host in `allowedHosts` (if given), and every address
 * the name resolves to allowed: a name with one public and one private address is refused, since which
 * one a client would use is not ours to guess. IP literals are checked as they are, without DNS.
 * Resolving sends a DNS query, never a packet to the target itself.
 */
export async function checkTarget(url: URL, options: GuardOptions): Promise<ResolvedAddress[]> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FetchRefused(`only http and https URLs can be fetched, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new FetchRefused('URLs with credentials are not fetched');
  }
  const host = normalizeHost(url.hostname);
  if (!hostAllowed(host, options.allowedHosts)) {
    throw new FetchRefused(`host ${host} is not in the allowed hosts`);
  }
  let addresses: { address: string; family: number }[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch (error) {
      throw new FetchRefused(`could not resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
  }
  const refused = addresses.find((a) => !options.isAddressAllowed(a.address));
  if (refused) {
    const what = refused.address === host ? host : `${host} (${refused.address})`;
    throw new FetchRefused(
      `${what} is a private, loopback, link-local or otherwise non-public address; fetching it is not allowed`,
    );
  }
  if (addresses.length === 0) throw new FetchRefused(`${host} did not resolve to any address`);
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}
