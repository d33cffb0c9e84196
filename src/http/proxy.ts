/**
 * Trusted reverse proxies: the client address, scheme and host a request really had.
 *
 * `X-Forwarded-*` and `Forwarded` (RFC 7239) are request headers, so any client can send them.
 * They are read only when the socket peer is a configured trusted proxy (none by default), and
 * only the entries those proxies appended (case C29; ASVS 4.1.3 and 15.3.4). `X-Real-IP` is never
 * read: a proxy that does not set it passes the client's value through.
 *
 * Two ways to say which proxies are trusted:
 * - **a hop count** `N` (Werkzeug `ProxyFix(x_for=N)`): the app is reachable only through `N`
 *   proxies, each appending to `X-Forwarded-For`; the client is the `N`-th entry from the right.
 *   When the header has fewer than `N` entries it is ignored (ProxyFix). The peer is not checked,
 *   so this suits a proxy on a unix socket or a private network that nothing else can reach.
 * - **addresses and CIDR ranges** (and the presets `loopback`, `private`): the peer must be one of
 *   them; then `X-Forwarded-For` is walked right to left, skipping addresses that are trusted
 *   proxies too; the first untrusted address is the client. When every entry is trusted the
 *   leftmost one is. A malformed entry stops the walk: the client is then the last trusted hop
 *   that reported it (nothing left of an unreadable entry can be vouched for).
 *
 * Scheme, host and port come from the value the outermost trusted proxy added: with `h` trusted
 * hops and `m` values, index `m − h`, or the first value when `m < h` (a proxy that overwrites
 * the header instead of appending leaves one value, its own). Invalid values are ignored, never
 * thrown: `X-Forwarded-Proto` must be `http` or `https`, `X-Forwarded-Host` a valid host,
 * `X-Forwarded-Port` an integer from 1 to 65535.
 *
 * The proxies set either the `X-Forwarded-*` family (default) or `Forwarded`, never both: a proxy
 * that only maintains one passes the other through from the client, so reading both would let a
 * client pick. Choose with `header: 'forwarded'`.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import { formatIp, ipInCidr, parseCidr, parseIp, type Cidr, type IpAddress } from '../net/ip.ts';
import { parseHost } from './hosts.ts';

/** Which header family the trusted proxies maintain. */
export type ForwardedHeaderFamily = 'x-forwarded' | 'forwarded';

/** The object form of the `trustedProxies` option. */
export interface TrustedProxyOptions {
  /** Number of proxies in front of the app (ProxyFix `x_for`); excludes `addresses`. */
  hops?: number;
  /** Proxy addresses, CIDR ranges or presets (`loopback`, `private`); excludes `hops`. */
  addresses?: readonly string[];
  /** Default `'x-forwarded'`; `'forwarded'` reads RFC 7239 `Forwarded` instead. */
  header?: ForwardedHeaderFamily;
}

/** The `trustedProxies` option: a hop count, a list of addresses/ranges/presets, or the object form. */
export type TrustedProxiesOption = number | readonly string[] | TrustedProxyOptions;

/** Compiled, frozen trusted-proxy settings (see {@link compileTrustedProxies}). */
export interface TrustedProxies {
  /** Hop count, 0 when addresses are used or nothing is trusted. */
  readonly hops: number;
  readonly cidrs: readonly Cidr[];
  readonly header: ForwardedHeaderFamily;
  /** The entries as configured, for `phial routes`/`check` and logs. */
  readonly entries: readonly string[];
}

/** What a request looked like before the trusted proxies. */
export interface ForwardedInfo {
  /** Canonical client address (see `canonicalIp`); `''` when the peer address is unknown. */
  clientIp: string;
  /** The client's scheme, or undefined when no trusted proxy said. */
  scheme: 'http' | 'https' | undefined;
  /** The Host the client asked for (lower-case, may carry a port), or undefined. */
  host: string | undefined;
  /** The port the client connected to, or undefined. */
  port: number | undefined;
}

/** Ranges behind the presets. `private`: RFC 1918, RFC 6598 shared, RFC 4193 unique local. */
export const PROXY_PRESETS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  loopback: Object.freeze(['127.0.0.0/8', '::1/128']),
  private: Object.freeze(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7']),
});

/** Nothing trusted: forwarding headers are never read. The default. */
export const NO_TRUSTED_PROXIES: TrustedProxies = Object.freeze({
  hops: 0, cidrs: Object.freeze([]), header: 'x-forwarded', entries: Object.freeze([]),
});

/** Largest accepted hop count; a longer proxy chain is a configuration mistake. */
const MAX_HOPS = 32;

const show = (v: unknown): string => JSON.stringify(typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…` : v) ?? String(v);

/**
 * Validates and compiles the `trustedProxies` option.
 * @throws {TypeError} naming the bad value: a hop count outside 0–32 or not an integer, an entry
 *   that is neither an address, a CIDR range nor a preset, both `hops` and `addresses`, or an
 *   unknown `header`
 * @example compileTrustedProxies(['loopback', '10.0.0.0/8'])
 * @example compileTrustedProxies({ hops: 1, header: 'forwarded' })
 */
export function compileTrustedProxies(option: TrustedProxiesOption | undefined): TrustedProxies {
  if (option === undefined) return NO_TRUSTED_PROXIES;
  let hops = 0;
  let addresses: readonly string[] = [];
  let header: ForwardedHeaderFamily = 'x-forwarded';
  if (typeof option === 'number') hops = checkHops(option);
  else if (Array.isArray(option)) addresses = option as readonly string[];
  else if (typeof option === 'object' && option !== null) {
    const o = option as TrustedProxyOptions;
    for (const k of Object.keys(o)) {
      if (k !== 'hops' && k !== 'addresses' && k !== 'header') throw new TypeError(`unknown key ${show(k)}; expected hops, addresses or header`);
    }
    if (o.hops !== undefined && o.addresses !== undefined) throw new TypeError('give either hops or addresses, not both');
    if (o.hops !== undefined) hops = checkHops(o.hops);
    if (o.addresses !== undefined) {
      if (!Array.isArray(o.addresses)) throw new TypeError(`addresses: expected an array of strings, got ${show(o.addresses)}`);
      addresses = o.addresses;
    }
    if (o.header !== undefined) {
      if (o.header !== 'x-forwarded' && o.header !== 'forwarded') throw new TypeError(`header: expected 'x-forwarded' or 'forwarded', got ${show(o.header)}`);
      header = o.header;
    }
  } else {
    throw new TypeError(`expected a hop count, a list of addresses or an object, got ${show(option)}`);
  }
  const cidrs: Cidr[] = [];
  const entries: string[] = [];
  for (const a of addresses) {
    if (typeof a !== 'string') throw new TypeError(`expected address strings, got ${show(a)}`);
    const entry = a.trim().toLowerCase();
    const preset = PROXY_PRESETS[entry];
    if (preset !== undefined) cidrs.push(...preset.map((p) => parseCidr(p)));
    else cidrs.push(parseCidr(entry)); // CidrError is a TypeError naming the value
    entries.push(entry);
  }
  if (hops > 0) entries.push(String(hops));
  if (hops === 0 && cidrs.length === 0) return header === 'x-forwarded' ? NO_TRUSTED_PROXIES : Object.freeze({ ...NO_TRUSTED_PROXIES, header });
  return Object.freeze({ hops, cidrs: Object.freeze(cidrs), header, entries: Object.freeze(entries) });
}

function checkHops(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > MAX_HOPS) {
    throw new TypeError(`hop count must be an integer from 0 to ${MAX_HOPS}, got ${show(n)}`);
  }
  return n;
}

/**
 * Parses the `PHIAL_TRUSTED_PROXIES` syntax: comma-separated items, each an address, a CIDR
 * range or a preset, or a single hop count; plus optionally `header=forwarded`
 * (or `header=x-forwarded`). Empty items are skipped.
 * @throws {TypeError} naming the bad item
 * @example parseTrustedProxies('1') // one proxy in front
 * @example parseTrustedProxies('10.0.0.0/8, 127.0.0.1')
 * @example parseTrustedProxies('loopback,header=forwarded')
 */
export function parseTrustedProxies(raw: string): TrustedProxies {
  const items = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const options: TrustedProxyOptions = {};
  const addresses: string[] = [];
  for (const item of items) {
    const lower = item.toLowerCase();
    if (lower.startsWith('header=')) {
      options.header = lower.slice(7) as ForwardedHeaderFamily;
    } else if (/^[0-9]+$/.test(item) && !item.includes('.')) {
      if (options.hops !== undefined) throw new TypeError(`more than one hop count (${show(item)})`);
      options.hops = Number(item);
    } else {
      addresses.push(item);
    }
  }
  if (addresses.length > 0) options.addresses = addresses;
  return compileTrustedProxies(options);
}

/** Whether `ip` is one of the trusted proxies' addresses (always false in hop-count mode). */
export function isTrustedProxy(ip: IpAddress | string, trusted: TrustedProxies): boolean {
  const addr = typeof ip === 'string' ? parseIp(ip) : ip;
  if (addr === null) return false;
  for (const c of trusted.cidrs) if (ipInCidr(addr, c)) return true;
  return false;
}

/** One element of `Forwarded`: what one proxy reported about its incoming connection. */
export interface ForwardedElement {
  for: string | undefined;
  proto: string | undefined;
  host: string | undefined;
}

/**
 * The request as the client made it: the client address, scheme, host and port, taken from the
 * forwarding headers only when the peer is a trusted proxy (see the module notes). Never throws;
 * malformed header values are ignored.
 *
 * @param peer - the socket's `remoteAddress` (any spelling; `''`/undefined when unknown)
 * @param headers - the request headers (`IncomingMessage.headers`); repeated lines are combined
 * @param trusted - from {@link compileTrustedProxies}; {@link NO_TRUSTED_PROXIES} ignores every header
 * @example
 * resolveForwarded('10.0.0.5', { 'x-forwarded-for': '203.0.113.9, 10.0.0.7' }, compileTrustedProxies(['private']))
 * // { clientIp: '203.0.113.9', scheme: undefined, host: undefined, port: undefined }
 */
export function resolveForwarded(peer: string | undefined, headers: IncomingHttpHeaders, trusted: TrustedProxies): ForwardedInfo {
  const peerIp = typeof peer === 'string' ? parseIp(peer) : null;
  const out: ForwardedInfo = { clientIp: peerIp === null ? '' : formatIp(peerIp), scheme: undefined, host: undefined, port: undefined };
  if (trusted.hops === 0 && trusted.cidrs.length === 0) return out;
  if (trusted.hops === 0 && (peerIp === null || !isTrustedProxy(peerIp, trusted))) return out;
  try {
    if (trusted.header === 'forwarded') resolveFromForwarded(out, peerIp, joined(headers.forwarded), trusted);
    else resolveFromXForwarded(out, peerIp, headers, trusted);
  } catch {
    // Defensive only: every parser below is total. A bug must not turn headers into a 500.
    out.clientIp = peerIp === null ? '' : formatIp(peerIp);
    out.scheme = out.host = out.port = undefined;
  }
  return out;
}

function joined(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}

function splitList(v: string | string[] | undefined): string[] {
  const s = joined(v);
  if (s === undefined) return [];
  return s.split(',').map((x) => x.replace(/^[ \t]+|[ \t]+$/g, ''));
}

/**
 * Walks the `for` values right to left. Returns the number of trusted hops `h` (the peer
 * included) and sets `out.clientIp`.
 */
function walk(out: ForwardedInfo, peerIp: IpAddress | null, fors: readonly (string | undefined)[], trusted: TrustedProxies): number {
  if (trusted.hops > 0) {
    if (fors.length < trusted.hops) return trusted.hops;
    const ip = nodeIp(fors[fors.length - trusted.hops]);
    if (ip !== null) out.clientIp = formatIp(ip);
    return trusted.hops;
  }
  let h = 1;
  let client = peerIp;
  for (let i = fors.length - 1; i >= 0; i--) {
    const ip = nodeIp(fors[i]);
    if (ip === null) break;
    client = ip;
    if (!isTrustedProxy(ip, trusted)) break;
    h++;
  }
  if (client !== null) out.clientIp = formatIp(client);
  return h;
}

/** The value the outermost trusted hop added: index `m − h`, or the first when `m < h`. */
function pick<T>(values: readonly T[], h: number): T | undefined {
  if (values.length === 0) return undefined;
  return values[Math.max(0, values.length - h)];
}

function resolveFromXForwarded(out: ForwardedInfo, peerIp: IpAddress | null, headers: IncomingHttpHeaders, trusted: TrustedProxies): void {
  const h = walk(out, peerIp, splitList(headers['x-forwarded-for']), trusted);
  out.scheme = scheme(pick(splitList(headers['x-forwarded-proto']), h));
  out.host = host(pick(splitList(headers['x-forwarded-host']), h));
  out.port = port(pick(splitList(headers['x-forwarded-port']), h));
}

function resolveFromForwarded(out: ForwardedInfo, peerIp: IpAddress | null, header: string | undefined, trusted: TrustedProxies): void {
  const hops = header === undefined ? [] : parseForwarded(header);
  const h = walk(out, peerIp, hops.map((x) => x.for), trusted);
  if (trusted.hops > 0 && hops.length < trusted.hops) return;
  const hop = pick(hops, h);
  if (hop === undefined) return;
  out.scheme = scheme(hop.proto);
  out.host = host(hop.host);
  // RFC 7239 has no port parameter; the port is the one in `host`.
  if (out.host !== undefined) out.port = port(/:([0-9]+)$/.exec(out.host)?.[1]);
}

function scheme(v: string | undefined): 'http' | 'https' | undefined {
  const s = v?.toLowerCase();
  return s === 'http' || s === 'https' ? s : undefined;
}

function host(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return parseHost(v) === null ? undefined : v.toLowerCase();
}

function port(v: string | undefined): number | undefined {
  if (v === undefined || !/^[0-9]{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : undefined;
}

/**
 * An address from one `X-Forwarded-For` entry or `Forwarded` `for=` value: a bare address, an
 * IPv4 address with a port, or a bracketed IPv6 address with an optional port. `unknown`,
 * obfuscated identifiers (`_hidden`) and junk give null.
 */
function nodeIp(v: string | undefined): IpAddress | null {
  if (v === undefined || v.length === 0 || v.length > 80) return null;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close === -1) return null;
    const rest = v.slice(close + 1);
    if (rest !== '' && !/^:[0-9]{1,5}$/.test(rest)) return null;
    const inner = v.slice(1, close);
    return inner.includes(':') ? parseIp(inner) : null; // brackets hold IPv6 text only
  }
  const colon = v.indexOf(':');
  if (colon !== -1 && colon === v.lastIndexOf(':')) {
    // `203.0.113.9:4711` (IPv4 with a port, as some load balancers write it)
    if (!/^[0-9]{1,5}$/.test(v.slice(colon + 1))) return null;
    const ip = parseIp(v.slice(0, colon));
    return ip !== null && !v.slice(0, colon).includes(':') ? ip : null;
  }
  return parseIp(v);
}

/**
 * Parses an RFC 7239 `Forwarded` field value into elements, left to right (one per proxy).
 * Values are tokens or quoted strings; parameter names are case-insensitive; empty elements are
 * skipped (list syntax, RFC 9110 §5.6.1). An element that does not parse, or repeats a parameter,
 * is kept with no values, so the number of hops stays right. Never throws.
 * @example parseForwarded('for=192.0.2.60;proto=http, for="[2001:db8::17]:4711"')
 */
export function parseForwarded(value: string): ForwardedElement[] {
  const elements: ForwardedElement[] = [];
  const empty = (): ForwardedElement => ({ for: undefined, proto: undefined, host: undefined });
  let cur = empty();
  let bad = false;
  const seen = new Set<string>();
  let i = 0;
  const n = value.length;
  const ws = (): void => { while (i < n && (value[i] === ' ' || value[i] === '\t')) i++; };
  const endElement = (): void => {
    if (bad || seen.size > 0) elements.push(bad ? empty() : cur);
    cur = empty();
    bad = false;
    seen.clear();
  };
  // After a syntax error, skip to the next `,` outside a quoted string.
  const recover = (): void => {
    bad = true;
    let quoted = false;
    for (; i < n; i++) {
      const c = value[i]!;
      if (quoted) { if (c === '\\') i++; else if (c === '"') quoted = false; } else if (c === '"') quoted = true; else if (c === ',') return;
    }
  };
  for (;;) {
    ws();
    if (i >= n) { endElement(); break; }
    if (value[i] === ',') { endElement(); i++; continue; }
    if (value[i] === ';') { i++; continue; }
    const m = TOKEN_PREFIX.exec(value.slice(i, i + 64));
    if (m === null) { recover(); continue; }
    const name = m[0].toLowerCase();
    i += m[0].length;
    ws();
    if (value[i] !== '=') { recover(); continue; }
    i++;
    ws();
    let v = '';
    if (value[i] === '"') {
      let closed = false;
      for (i++; i < n; i++) {
        const c = value[i]!;
        if (c === '\\' && i + 1 < n) { v += value[++i]; continue; }
        if (c === '"') { closed = true; i++; break; }
        v += c;
      }
      if (!closed) { bad = true; continue; }
    } else {
      // Token, plus `:` and brackets: unquoted `for=192.0.2.43:4711` is common though not RFC.
      const t = VALUE_PREFIX.exec(value.slice(i, i + 256));
      if (t === null) { recover(); continue; }
      v = t[0];
      i += v.length;
    }
    ws();
    if (i < n && value[i] !== ';' && value[i] !== ',') { recover(); continue; }
    if (seen.has(name)) bad = true;
    seen.add(name);
    if (name === 'for') cur.for = v;
    else if (name === 'proto') cur.proto = v;
    else if (name === 'host') cur.host = v;
  }
  return elements;
}

const TOKEN_PREFIX = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;
const VALUE_PREFIX = /^[!#$%&'*+.^_`|~0-9A-Za-z:[\]-]+/;
