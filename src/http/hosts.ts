/**
 * Trusted-host checks (Flask 3.1's `TRUSTED_HOSTS`, Django's `ALLOWED_HOSTS`; case C28).
 *
 * Host syntax (RFC 9110 §7.2, RFC 3986 §3.2.2), strictly: a name of dot-separated labels of ASCII
 * letters, digits, `-` and `_` (each 1–63 characters, 253 in all; one trailing dot is dropped),
 * or a bracketed IPv6 literal, optionally followed by `:port` (1–65535). Anything else — userinfo
 * (`a@b`), percent-escapes, spaces, commas, non-ASCII, empty labels, an empty port — is not a
 * host and is never trusted.
 *
 * Entries of the trusted list:
 * - `app.example` — exactly that name, any port;
 * - `.example.com` — `example.com` and every subdomain (Flask/Django);
 * - `*.example.com` — every subdomain, not `example.com` itself;
 * - `*` — any syntactically valid host (turns the check off; visible in config);
 * - any of the above with `:port` — that port only (a Host without a port does not match);
 * - IPv4 addresses, and IPv6 as `[::1]` or `::1` (compared in canonical form).
 * Comparison is case-insensitive. An entry that cannot be parsed matches nothing.
 *
 * @module
 */
import { canonicalIp } from '../net/ip.ts';

/** A parsed Host value. */
export interface ParsedHost {
  /** Lower-case name without a trailing dot, or `[canonical-ipv6]`. */
  readonly name: string;
  /** The port, or undefined when none was given. */
  readonly port: number | undefined;
}

const LABELS = /^[a-z0-9_-]{1,63}(?:\.[a-z0-9_-]{1,63})*$/;

/**
 * Parses a `Host` header value (or an `X-Forwarded-Host` entry).
 * @returns the name and port, or null when the value is not a valid host (never throws)
 * @example parseHost('App.Example:8443') // { name: 'app.example', port: 8443 }
 * @example parseHost('[::1]') // { name: '[::1]', port: undefined }
 * @example parseHost('attacker.example@app.example') // null
 */
export function parseHost(value: string | undefined): ParsedHost | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 261) return null;
  let h = value.toLowerCase();
  let port: number | undefined;
  let name: string;
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    if (close === -1) return null;
    const inner = h.slice(1, close);
    const ip = inner.includes(':') && !inner.includes('%') ? canonicalIp(inner) : null;
    if (ip === null) return null;
    name = `[${ip}]`;
    h = h.slice(close + 1);
    if (h !== '') {
      port = parsePort(h);
      if (port === undefined) return null;
    }
    return { name, port };
  }
  const colon = h.indexOf(':');
  if (colon !== -1) {
    port = parsePort(h.slice(colon));
    if (port === undefined) return null;
    h = h.slice(0, colon);
  }
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 253 || !LABELS.test(h)) return null;
  return { name: h, port };
}

function parsePort(s: string): number | undefined {
  if (!/^:[0-9]{1,5}$/.test(s)) return undefined;
  const n = Number(s.slice(1));
  return n >= 1 && n <= 65535 ? n : undefined;
}

/** Lower-cased host name without port, or null when the header is not a valid host. */
export function hostName(header: string | undefined): string | null {
  return parseHost(header)?.name ?? null;
}

interface HostRule {
  readonly kind: 'any' | 'exact' | 'domain' | 'subdomains';
  readonly name: string;
  readonly port: number | undefined;
}

function compileEntry(entry: string): HostRule | null {
  if (typeof entry !== 'string') return null;
  let e = entry.trim().toLowerCase();
  if (e === '*') return { kind: 'any', name: '', port: undefined };
  let kind: HostRule['kind'] = 'exact';
  if (e.startsWith('*.')) { kind = 'subdomains'; e = e.slice(2); } else if (e.startsWith('.')) { kind = 'domain'; e = e.slice(1); }
  // A bare IPv6 address (`::1`): bracket it so the port rule does not read its last group as a port.
  if (kind === 'exact' && (e.match(/:/g)?.length ?? 0) >= 2 && !e.startsWith('[')) e = `[${e}]`;
  const parsed = parseHost(e);
  if (parsed === null || (kind !== 'exact' && parsed.name.startsWith('['))) return null;
  return { kind, name: parsed.name, port: parsed.port };
}

// Config lists are frozen and live as long as the app: compile each once.
const compiled = new WeakMap<readonly string[], readonly HostRule[]>();

function rulesOf(trusted: readonly string[]): readonly HostRule[] {
  let rules = compiled.get(trusted);
  if (rules === undefined) {
    rules = trusted.map(compileEntry).filter((r): r is HostRule => r !== null);
    if (Object.isFrozen(trusted)) compiled.set(trusted, rules);
  }
  return rules;
}

/**
 * Whether the Host header names one of `trusted` (see the module notes for entry forms).
 * @param header - the `Host` header (or the host a trusted proxy forwarded)
 * @param trusted - the configured entries; a frozen array is compiled once and cached
 * @returns false for a missing or malformed header; never throws
 * @example isTrustedHost('www.example.com:8443', ['.example.com']) // true
 * @example isTrustedHost('example.com.attacker.example', ['.example.com']) // false
 */
export function isTrustedHost(header: string | undefined, trusted: readonly string[]): boolean {
  const host = parseHost(header);
  if (host === null) return false;
  for (const rule of rulesOf(trusted)) {
    if (rule.port !== undefined && rule.port !== host.port) continue;
    switch (rule.kind) {
      case 'any': return true;
      case 'exact': if (host.name === rule.name) return true; break;
      case 'domain': if (host.name === rule.name || host.name.endsWith('.' + rule.name)) return true; break;
      case 'subdomains': if (host.name.endsWith('.' + rule.name)) return true; break;
    }
  }
  return false;
}

/**
 * The Host names a development server accepts when `trustedHosts` is empty (Django's rule for
 * `DEBUG` with empty `ALLOWED_HOSTS`): loopback names only, any port. A web page on an attacker's
 * domain that rebinds its DNS to 127.0.0.1 then cannot talk to the dev server (DNS rebinding).
 */
export const DEVELOPMENT_HOSTS: readonly string[] = Object.freeze(['localhost', '.localhost', '127.0.0.1', '::1']);
