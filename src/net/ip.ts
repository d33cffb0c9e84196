/**
 * IP addresses as text: one canonical spelling per address, CIDR ranges and membership.
 *
 * Allow and deny lists compare strings, so every address must be spelled one way before it is
 * matched (case C29: Hono's IPv4 rules missed the dual-stack peer `::ffff:127.0.0.1`, and
 * non-canonical IPv6 spellings slipped past others). The canonical form is:
 * - IPv4: dotted decimal, no leading zeros (`127.0.0.1`);
 * - IPv4-mapped IPv6 (`::ffff:127.0.0.1`, `::ffff:7f00:1`, `0:0:0:0:0:FFFF:…`): the IPv4 address;
 * - other IPv6: RFC 5952 §4 — lower-case hex, no leading zeros in a group, the longest run of
 *   two or more zero groups (the first one on a tie) replaced by `::`, no mixed dotted tail.
 *   A zone (`fe80::1%eth0`) is dropped: it names a local interface, not a different host.
 *
 * Parsing is strict: anything else — leading zeros in IPv4 parts (`010.0.0.1` means 8.0.0.1 to
 * `inet_aton`, 10.0.0.1 to humans), short or hex IPv4 forms (`127.1`, `0x7f.0.0.1`), brackets,
 * ports, spaces — is not an address (`null`), never a guess.
 *
 * @module
 */
import { PhialError } from '../errors/phial-error.ts';

/** A parsed address: 4 bytes (IPv4, IPv4-mapped included) or 16 bytes (IPv6). */
export interface IpAddress {
  readonly family: 4 | 6;
  /** Network-order bytes, 4 or 16 of them. */
  readonly bytes: readonly number[];
}

/** A CIDR range (`10.0.0.0/8`, `fc00::/7`); a bare address is a /32 or /128. */
export interface Cidr extends IpAddress {
  /** Prefix length in bits: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefix: number;
}

/** Thrown by {@link parseCidr} for text that is not a range; the message names the value. */
export class CidrError extends PhialError {
  declare readonly code: 'PHIAL_E_BAD_CIDR';
  constructor(message: string) { super('PHIAL_E_BAD_CIDR', message); }
}

// Longer than any address with a short zone; a cap before any work on untrusted header text.
const MAX_TEXT = 64;

function parseIpv4(s: string, out: number[]): boolean {
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return false;
      out.push(part);
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return false; // leading zero: octal to some parsers
      part = part * 10 + (c - 0x30);
      if (++digits > 3 || part > 255) return false;
    } else {
      return false;
    }
  }
  return parts === 4;
}

function parseGroups(s: string, out: number[], allowV4Tail: boolean): boolean {
  if (s === '') return true;
  const groups = s.split(':');
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (allowV4Tail && i === groups.length - 1 && g.includes('.')) {
      const v4: number[] = [];
      if (!parseIpv4(g, v4)) return false;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      return true;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    out.push(parseInt(g, 16));
  }
  return true;
}

function parseIpv6(s: string): number[] | null {
  const dbl = s.indexOf('::');
  const head: number[] = [];
  const tail: number[] = [];
  if (dbl === -1) {
    if (!parseGroups(s, head, true) || head.length !== 8) return null;
    return head;
  }
  if (s.indexOf('::', dbl + 1) !== -1) return null;
  const left = s.slice(0, dbl);
  const right = s.slice(dbl + 2);
  if (!parseGroups(left, head, false) || !parseGroups(right, tail, true)) return null;
  if (head.length + tail.length > 7) return null;
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * Parses an address in any textual form Phial accepts (see the module notes).
 * IPv4-mapped IPv6 addresses come back as IPv4.
 * @returns the address, or `null` for anything that is not exactly one address (never throws)
 * @example parseIp('::FFFF:127.0.0.1') // { family: 4, bytes: [127, 0, 0, 1] }
 */
export function parseIp(text: string): IpAddress | null {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT) return null;
  if (!text.includes(':')) {
    const v4: number[] = [];
    return parseIpv4(text, v4) ? { family: 4, bytes: v4 } : null;
  }
  let s = text;
  const zone = s.indexOf('%');
  if (zone !== -1) {
    // RFC 6874 zone ids are interface names; refuse anything that could be more than that.
    if (!/^[A-Za-z0-9._~-]{1,32}$/.test(s.slice(zone + 1))) return null;
    s = s.slice(0, zone);
  }
  const groups = parseIpv6(s);
  if (groups === null) return null;
  const bytes: number[] = [];
  for (const g of groups) bytes.push(g >> 8, g & 0xff);
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === 0xffff) {
    return { family: 4, bytes: bytes.slice(12) };
  }
  return { family: 6, bytes };
}

/**
 * The canonical text of an address (RFC 5952 §4 for IPv6; IPv4-mapped → IPv4).
 * @example formatIp({ family: 6, bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }) // '2001:db8::1'
 */
export function formatIp(ip: IpAddress): string {
  const b = ip.bytes;
  if (ip.family === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of zero groups, first on a tie, only when at least two long (RFC 5952 §4.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (g: number): string => g.toString(16);
  if (bestStart === -1) return groups.map(hex).join(':');
  return `${groups.slice(0, bestStart).map(hex).join(':')}::${groups.slice(bestStart + bestLen).map(hex).join(':')}`;
}

/**
 * The canonical spelling of an address, for matching and logging.
 * @returns `null` when `text` is not exactly one address (never throws)
 * @example canonicalIp('::ffff:127.0.0.1') // '127.0.0.1'
 * @example canonicalIp('2001:DB8:0:0:0:0:0:1') // '2001:db8::1'
 * @example canonicalIp('127.1') // null
 */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  return ip === null ? null : formatIp(ip);
}

/**
 * Parses a CIDR range (`10.0.0.0/8`, `2001:db8::/32`) or a bare address (a /32 or /128).
 * A range written in IPv4-mapped IPv6 with a prefix of 96 or more (`::ffff:10.0.0.0/104`) is the
 * IPv4 range it maps. Bits set beyond the prefix are refused (`10.1.2.3/8` is almost always a typo
 * for `10.1.2.3/32` or `10.0.0.0/8`, and silently masking would trust the wrong network).
 * @throws {CidrError} naming the value when it is not a range
 * @example parseCidr('192.168.0.0/16') // { family: 4, bytes: [192, 168, 0, 0], prefix: 16 }
 */
export function parseCidr(text: string): Cidr {
  const fail = (why: string): CidrError => new CidrError(`Invalid CIDR range ${JSON.stringify(String(text).slice(0, 80))}: ${why}`);
  if (typeof text !== 'string') throw fail('expected a string');
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  // The mapped form must be recognised before parseIp folds it to IPv4 with the prefix still in v6 bits.
  const ip = parseIp(addrText);
  if (ip === null) throw fail('not an IPv4 or IPv6 address');
  const mapped = ip.family === 4 && addrText.includes(':');
  const max = mapped ? 128 : ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > max) throw fail(`prefix must be an integer from 0 to ${max}`);
    prefix = Number(p);
  }
  if (mapped) {
    if (prefix < 96) throw fail('an IPv4-mapped range needs a prefix of at least 96');
    prefix -= 96;
  }
  for (let bit = prefix; bit < ip.bytes.length * 8; bit++) {
    if ((ip.bytes[bit >> 3]! >> (7 - (bit & 7))) & 1) throw fail(`bits are set beyond the /${slash === -1 ? max : text.slice(slash + 1)} prefix`);
  }
  return Object.freeze({ family: ip.family, bytes: Object.freeze([...ip.bytes]), prefix });
}

/**
 * Whether an address lies in a range. A string is parsed first (junk is in no range); an
 * IPv4-mapped IPv6 address matches IPv4 ranges (it is the IPv4 address).
 * @example ipInCidr('::ffff:127.0.0.1', parseCidr('127.0.0.0/8')) // true
 */
export function ipInCidr(addr: string | IpAddress, cidr: Cidr): boolean {
  const ip = typeof addr === 'string' ? parseIp(addr) : addr;
  if (ip === null || ip.family !== cidr.family) return false;
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (ip.bytes[i] !== cidr.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (ip.bytes[full]! & mask) === (cidr.bytes[full]! & mask);
}

/**
 * Whether an address is a loopback address: 127.0.0.0/8 or `::1`. An IPv4-mapped address counts
 * as the IPv4 address it maps. Text that is not exactly one address (a host name included) is not
 * loopback: this asks about an address the socket or a trusted proxy reported, never a name.
 * @example isLoopbackIp('127.0.0.2') // true
 * @example isLoopbackIp('::ffff:127.0.0.1') // true
 * @example isLoopbackIp('localhost') // false
 */
export function isLoopbackIp(addr: string | IpAddress): boolean {
  const ip = typeof addr === 'string' ? parseIp(addr) : addr;
  if (ip === null) return false;
  if (ip.family === 4) return ip.bytes[0] === 127;
  for (let i = 0; i < 15; i++) if (ip.bytes[i] !== 0) return false;
  return ip.bytes[15] === 1;
}
