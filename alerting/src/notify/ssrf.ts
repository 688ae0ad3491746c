import dns from 'node:dns';
import type { LookupAddress, LookupOptions } from 'node:dns';
import net from 'node:net';

/** Options of {@link createSsrfGuard}. */
export interface SsrfGuardOptions {
  /**
   * CIDRs that may be reached even though they are in a blocked range (e.g. `['127.0.0.0/8',
   * '::1/128']` for a receiver on the same host). @default []
   */
  allowCidrs?: string[];
  /** The resolver; tests may replace it. @default dns.lookup */
  resolve?: typeof dns.lookup;
}

/** Why a destination was refused; a permanent failure that names the reason, never the URL. */
export class BlockedDestinationError extends Error {
  readonly code = 'EVIGILBLOCKED';
  constructor(readonly reason: string) {
    super(`destination blocked: ${reason}`);
    this.name = 'BlockedDestinationError';
  }
}

/** The node `lookup` signature that `http.request`/`net.connect` accept. */
export type GuardLookup = (
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void;

/**
 * Refuses connections to internal addresses, checked on the RESOLVED address at connection time
 * (so DNS rebinding and names that point inside are caught as well as literal addresses).
 */
export interface SsrfGuard {
  /** The reason `address` (an IP literal) is blocked, or null when it may be reached. */
  check(address: string): string | null;
  /** A `lookup` for `http.request`/`http.Agent`: resolves, then drops blocked addresses. */
  lookup: GuardLookup;
}

interface Range {
  v6: boolean;
  base: bigint;
  bits: number;
  reason: string;
}

const BLOCKED: Array<[string, string]> = [
  ['0.0.0.0/8', 'unspecified/"this network" address'],
  ['127.0.0.0/8', 'loopback address'],
  ['10.0.0.0/8', 'private address'],
  ['172.16.0.0/12', 'private address'],
  ['192.168.0.0/16', 'private address'],
  ['100.64.0.0/10', 'carrier-grade NAT address'],
  ['169.254.0.0/16', 'link-local address (includes cloud metadata)'],
  ['192.0.0.0/24', 'IETF protocol assignment'],
  ['198.18.0.0/15', 'benchmarking address'],
  ['224.0.0.0/4', 'multicast address'],
  ['240.0.0.0/4', 'reserved or broadcast address'],
  ['::/128', 'unspecified address'],
  ['::1/128', 'loopback address'],
  ['fc00::/7', 'private (unique local) address'],
  ['fe80::/10', 'link-local address'],
  ['fec0::/10', 'site-local address'],
  ['ff00::/8', 'multicast address'],
  ['64:ff9b::/96', 'NAT64 address'],
  ['2001:db8::/32', 'documentation address'],
];

const BLOCKED_RANGES: Range[] = BLOCKED.map(([c, reason]) => parseCidr(c, reason));

/**
 * Builds a guard. Addresses in loopback, private, link-local (incl. 169.254.169.254), CGNAT,
 * unspecified, multicast and reserved ranges are refused, also when written as IPv4-mapped IPv6
 * (`::ffff:127.0.0.1`, `::ffff:7f00:1`), unless inside one of `allowCidrs`.
 *
 * @example
 * const guard = createSsrfGuard({ allowCidrs: ['127.0.0.0/8'] });
 * http.request(url, { lookup: guard.lookup });
 */
export function createSsrfGuard(options: SsrfGuardOptions = {}): SsrfGuard {
  const allow = (options.allowCidrs ?? []).map((c) => parseCidr(c, 'allowed'));
  const resolve = options.resolve ?? dns.lookup;
  const check = (address: string): string | null => {
    const ip = parseIp(address);
    if (ip === null) return 'not an IP address';
    if (allow.some((r) => inRange(ip, r))) return null;
    const hit = BLOCKED_RANGES.find((r) => inRange(ip, r));
    return hit ? `${hit.reason} ${ip.text}` : null;
  };
  const lookup: GuardLookup = (hostname, opts, callback) => {
    resolve(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) {
        callback(err, []);
        return;
      }
      const list = addresses as unknown as LookupAddress[];
      const reasons: string[] = [];
      const ok = list.filter((a) => {
        const r = check(a.address);
        if (r !== null) reasons.push(r);
        return r === null;
      });
      if (ok.length === 0) {
        callback(new BlockedDestinationError(`host resolves to ${reasons.join(', ') || 'no address'}`), []);
        return;
      }
      if (opts.all) callback(null, ok);
      else callback(null, ok[0]!.address, ok[0]!.family);
    });
  };
  return { check, lookup };
}

interface ParsedIp {
  v6: boolean;
  value: bigint;
  text: string;
}

/** Parses an IP literal; IPv4-mapped IPv6 addresses come back as IPv4. */
function parseIp(address: string): ParsedIp | null {
  let a = address.trim();
  if (a.startsWith('[') && a.endsWith(']')) a = a.slice(1, -1);
  const zone = a.indexOf('%');
  if (zone >= 0) a = a.slice(0, zone);
  const kind = net.isIP(a);
  if (kind === 4) return { v6: false, value: v4ToBig(a), text: a };
  if (kind !== 6) return null;
  const value = v6ToBig(a);
  if (value === null) return null;
  // ::ffff:0:0/96 is an IPv4 address in disguise; judge it as that address.
  if (value >> 32n === 0xffffn) {
    const v4 = value & 0xffffffffn;
    return { v6: false, value: v4, text: bigToV4(v4) };
  }
  return { v6: true, value, text: a };
}

function v4ToBig(a: string): bigint {
  return a.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function bigToV4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

function v6ToBig(a: string): bigint | null {
  let text = a;
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two 16-bit groups.
    if (net.isIP(maybeV4) !== 4) return null;
    const v = Number(v4ToBig(maybeV4));
    text = `${text.slice(0, lastColon + 1)}${((v >>> 16) & 0xffff).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? Number.parseInt(g, 16) : -1)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = halves.length === 2 ? [...head, ...new Array<number>(missing).fill(0), ...rest] : head;
  if (groups.length !== 8 || groups.some((g) => g < 0)) return null;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

function parseCidr(cidr: string, reason: string): Range {
  const [addr, bitsText] = cidr.split('/');
  const ip = parseIp(addr ?? '');
  if (ip === null) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const isV6Literal = net.isIP(addr!) === 6;
  const max = ip.v6 ? 128 : 32;
  let bits = bitsText === undefined ? max : Number(bitsText);
  // A CIDR written as IPv4-mapped IPv6 (::ffff:127.0.0.0/104) covers the IPv4 range it maps.
  if (isV6Literal && !ip.v6 && bitsText !== undefined) bits -= 96;
  if (!Number.isInteger(bits) || bits < 0 || bits > max) throw new Error(`invalid CIDR ${JSON.stringify(cidr)}`);
  const base = bits === 0 ? 0n : (ip.value >> BigInt(max - bits)) << BigInt(max - bits);
  return { v6: ip.v6, base, bits, reason };
}

function inRange(ip: ParsedIp, r: Range): boolean {
  if (ip.v6 !== r.v6) return false;
  const shift = BigInt((ip.v6 ? 128 : 32) - r.bits);
  return r.bits === 0 || ip.value >> shift === r.base >> shift;
}
