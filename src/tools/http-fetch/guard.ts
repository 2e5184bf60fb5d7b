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
 * ranges. An IPv6 address that embeds an IPv4 address (see `embeddedIPv4`) is judged by the IPv4 address
 * it embeds, since that is where a translator or tunnel delivers it: `::127.0.0.1`, `::ffff:10.0.0.1`,
 * `64:ff9b::169.254.169.254` and `2002:7f00:1::` are all refused, `64:ff9b::8.8.8.8` (DNS64) is public.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const embedded = embeddedIPv4(parsed as ipaddr.IPv6);
  if (embedded === 'refuse') return false;
  if (embedded) return embedded.every((v4) => v4.range() === 'unicast');
  return parsed.range() === 'unicast';
}

const EMBEDDING_RANGES = new Set(['ipv4Mapped', 'rfc6145', 'rfc6052', '6to4', 'teredo']);

/**
 * The IPv4 addresses an IPv6 address carries: IPv4-compatible (`::a.b.c.d`, ::/96), IPv4-mapped
 * (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64 (64:ff9b::/96), 6to4 (2002::/16,
 * bits 16-47), Teredo (2001::/32: the server in bits 32-63 and the client, inverted, in the last 32),
 * ISATAP (an interface id of `0:5efe` or `200:5efe`). 'refuse' for the local-use NAT64 prefix
 * 64:ff9b:1::/48, whose embedding depends on a prefix length only the operator knows; undefined for an
 * address that embeds none.
 */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4[] | 'refuse' | undefined {
  const p = address.parts;
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const range = address.range();
  const last = () => v4(p[6]!, p[7]!);
  if (p[0] === 0x64 && p[1] === 0xff9b && p[2] === 1) return 'refuse';
  if (EMBEDDING_RANGES.has(range)) {
    if (range === '6to4') return [v4(p[1]!, p[2]!)];
    if (range === 'teredo') return [v4(p[2]!, p[3]!), v4(~p[6]! & 0xffff, ~p[7]! & 0xffff)];
    return [last()];
  }
  // IPv4-compatible (deprecated, but a stack may still route it to IPv4); :: and ::1 have ranges of their own.
  if (p.slice(0, 6).every((x) => x === 0) && range !== 'unspecified' && range !== 'loopback') return [last()];
  if ((p[4]! & 0xfdff) === 0 && p[5] === 0x5efe) return [last()];
  return undefined;
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
