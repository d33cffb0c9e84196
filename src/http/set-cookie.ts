/**
 * `Set-Cookie` serialisation that cannot be turned into an injection (case C12) and is secure by
 * default.
 *
 * Everything is validated before anything is returned, so an invalid call throws and no partial
 * header exists (jshttp/cookie CVE-2024-47764, Hono GHSA-26pp-8wgv-hjvm and CVE-2026-47675 let a
 * name, path or `sameSite` value carry `;` or CR/LF into the header):
 * - the name is an RFC 9110 token (RFC 6265 §4.1.1 `cookie-name`);
 * - the value is percent-encoded outside RFC 6265 `cookie-octet` (and `%` itself), so any string
 *   is safe and `parseCookieHeader` gives it back unchanged;
 * - `path` starts with `/` and holds visible ASCII except `;`; `domain` is a host name
 *   (LDH labels; a leading dot is dropped, RFC 6265 §5.2.3); both at most 1024 characters
 *   (RFC 6265bis §5.6);
 * - `sameSite` ∈ Strict | Lax | None (None needs Secure), `priority` ∈ Low | Medium | High, both
 *   case-insensitive and written title-cased; `partitioned` (CHIPS) needs Secure;
 * - `maxAge` is whole seconds from 0 to 34 560 000 (400 days, the cap browsers apply per
 *   RFC 6265bis §5.6.2); `Expires` is written with it for old clients;
 * - name + value at most 4096 bytes (RFC 6265 §6.1, ASVS 3.3.5): browsers drop larger cookies
 *   silently, so it is an error here;
 * - prefixes (RFC 6265bis §4.1.3, matched case-insensitively as browsers do): `__Host-` needs
 *   Secure, `Path=/` and no Domain; `__Secure-` needs Secure. Checked at runtime and, for literal
 *   names, by the type of the options ({@link CookieOptionsFor});
 * - unknown option keys are refused (`httponly` for `httpOnly` would silently drop the flag).
 *
 * Defaults (OWASP session management cheat sheet, ASVS 3.3): `Path=/`, `Secure`, `HttpOnly`,
 * `SameSite=Lax`. `secure: false` is for plain-HTTP development on loopback only; the framework
 * decides when that applies, the serializer only obeys the explicit flag.
 *
 * @module
 */
import { PhialError } from '../errors/phial-error.ts';
import { assertHeader } from './headers.ts';

/** `SameSite` values (RFC 6265bis §4.1.2.7). */
export type SameSite = 'Strict' | 'Lax' | 'None';
/** `Priority` values (Chrome's cookie priority). */
export type CookiePriority = 'Low' | 'Medium' | 'High';

/** Options of {@link serializeCookie}. Every field is optional; defaults are the secure ones. */
export interface CookieOptions {
  /** Lifetime in whole seconds, 0–34 560 000; also written as `Expires`. Default: a session cookie. */
  maxAge?: number;
  /** `Expires` as a date; default derived from `maxAge`. Use `maxAge` unless you need a fixed date. */
  expires?: Date;
  /** Default `/`. */
  path?: string;
  /** Default none (host-only cookie, the safest). */
  domain?: string;
  /** Default true. `false` only for plain-HTTP development on loopback. */
  secure?: boolean;
  /** Default true (script cannot read the cookie). */
  httpOnly?: boolean;
  /** Default `Lax`. */
  sameSite?: SameSite;
  /** Not written by default. */
  priority?: CookiePriority;
  /** CHIPS partitioned cookie; needs Secure. Default false. */
  partitioned?: boolean;
}

/** Options allowed for a `__Host-` cookie: Secure, `Path=/`, no Domain. */
export type HostCookieOptions = Omit<CookieOptions, 'domain' | 'secure' | 'path'> & { domain?: never; secure?: true; path?: '/' };
/** Options allowed for a `__Secure-` cookie: Secure. */
export type SecureCookieOptions = Omit<CookieOptions, 'secure'> & { secure?: true };

/**
 * The options type for a cookie name: prefixed literal names forbid what their prefix forbids,
 * e.g. `serializeCookie('__Host-sid', v, { domain: 'x' })` does not compile. A name of type
 * `string` gets {@link CookieOptions} and the same rules at runtime.
 */
export type CookieOptionsFor<N extends string> =
  Lowercase<N> extends `__host-${string}` ? HostCookieOptions
    : Lowercase<N> extends `__secure-${string}` ? SecureCookieOptions
      : CookieOptions;

/** Thrown for an invalid cookie name, value or option; the message names the part at fault. */
export class CookieError extends PhialError {
  declare readonly code: 'PHIAL_E_COOKIE';
  constructor(message: string) { super('PHIAL_E_COOKIE', message); }
}

/** 400 days: browsers cap Max-Age and Expires there (RFC 6265bis §5.6.1–2). */
export const MAX_COOKIE_AGE = 400 * 24 * 60 * 60;
/** Bytes of name + value a browser is required to keep (RFC 6265 §6.1). */
export const MAX_COOKIE_SIZE = 4096;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Visible ASCII except `;` (RFC 6265 `av-octet` minus controls, space and the separator).
const PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// Characters kept as they are: RFC 6265 cookie-octet minus `%` (the escape character itself).
const NOT_OCTET = /[^\x21\x23\x24\x26-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+/g;
const KNOWN = new Set(['maxAge', 'expires', 'path', 'domain', 'secure', 'httpOnly', 'sameSite', 'priority', 'partitioned']);
const SAME_SITE: Readonly<Record<string, SameSite>> = { strict: 'Strict', lax: 'Lax', none: 'None' };
const PRIORITY: Readonly<Record<string, CookiePriority>> = { low: 'Low', medium: 'Medium', high: 'High' };

const shown = (v: unknown): string => {
  const s = typeof v === 'string' ? v : String(v);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
};

/**
 * Percent-encodes a cookie value: every character outside RFC 6265 `cookie-octet`, and `%`,
 * becomes its UTF-8 escapes; everything else is kept, so base64url and signed values are
 * unchanged. The inverse is `decodeCookieValue`.
 * @throws {CookieError} for a string that is not well-formed UTF-16 (a lone surrogate)
 * @example encodeCookieValue('a b;c') // 'a%20b%3Bc'
 */
export function encodeCookieValue(value: string): string {
  try {
    return value.replace(NOT_OCTET, encodeURIComponent);
  } catch {
    throw new CookieError('Cookie value is not well-formed Unicode (lone surrogate)');
  }
}

/** Whether a cookie name carries the `__Host-` prefix (case-insensitive, as browsers match). */
export function isHostPrefixed(name: string): boolean {
  return name.length >= 7 && name.slice(0, 7).toLowerCase() === '__host-';
}

/** Whether a cookie name carries the `__Secure-` prefix (case-insensitive). */
export function isSecurePrefixed(name: string): boolean {
  return name.length >= 9 && name.slice(0, 9).toLowerCase() === '__secure-';
}

/**
 * Builds one `Set-Cookie` header value. Attribute order: `Path`, `Domain`, `Max-Age`,
 * `Expires`, `Secure`, `HttpOnly`, `SameSite`, `Priority`, `Partitioned`.
 *
 * @param name - an RFC 9110 token
 * @param value - any string; encoded (see {@link encodeCookieValue})
 * @param options - see {@link CookieOptions}; defaults `Path=/; Secure; HttpOnly; SameSite=Lax`
 * @param now - ms since the epoch used to compute `Expires` from `maxAge` (default `Date.now()`)
 * @returns the header value, a single line without CR, LF or NUL
 * @throws {CookieError} for any invalid part (module notes); nothing is returned in that case
 * @example serializeCookie('lang', 'en') // 'lang=en; Path=/; Secure; HttpOnly; SameSite=Lax'
 * @example serializeCookie('__Host-sid', token, { maxAge: 3600, sameSite: 'Strict' })
 */
export function serializeCookie<N extends string>(name: N, value: string, options?: CookieOptionsFor<N>, now?: number): string {
  const o = (options ?? {}) as CookieOptions;
  if (typeof o !== 'object' || o === null) throw new CookieError(`Cookie options must be an object, got ${shown(o)}`);
  for (const k of Object.keys(o)) {
    if (!KNOWN.has(k)) throw new CookieError(`Unknown cookie option ${shown(k)}; known: ${[...KNOWN].join(', ')}`);
  }
  if (typeof name !== 'string' || !TOKEN.test(name)) throw new CookieError(`Invalid cookie name ${shown(name)}: expected an RFC 9110 token (letters, digits, !#$%&'*+-.^_\`|~)`);
  if (typeof value !== 'string') throw new CookieError(`Cookie ${name}: value must be a string, got ${typeof value}`);

  const flag = (key: 'secure' | 'httpOnly' | 'partitioned', dflt: boolean): boolean => {
    const v = o[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw new CookieError(`Cookie ${name}: ${key} must be true or false, got ${shown(v)}`);
    return v;
  };
  const secure = flag('secure', true);
  const httpOnly = flag('httpOnly', true);
  const partitioned = flag('partitioned', false);

  let path = '/';
  if (o.path !== undefined) {
    if (typeof o.path !== 'string' || o.path.length > 1024 || !PATH.test(o.path)) {
      throw new CookieError(`Cookie ${name}: invalid path ${shown(o.path)} (must start with / and hold visible ASCII other than ;)`);
    }
    path = o.path;
  }
  let domain: string | undefined;
  if (o.domain !== undefined) {
    const d = typeof o.domain === 'string' ? o.domain.toLowerCase().replace(/^\./, '') : '';
    if (!DOMAIN.test(d)) throw new CookieError(`Cookie ${name}: invalid domain ${shown(o.domain)} (expected a host name such as example.com)`);
    domain = d;
  }
  let sameSite: SameSite = 'Lax';
  if (o.sameSite !== undefined) {
    const key = typeof o.sameSite === 'string' ? o.sameSite.toLowerCase() : '';
    if (!Object.hasOwn(SAME_SITE, key)) throw new CookieError(`Cookie ${name}: sameSite must be Strict, Lax or None, got ${shown(o.sameSite)}`);
    sameSite = SAME_SITE[key]!;
  }
  let priority: CookiePriority | undefined;
  if (o.priority !== undefined) {
    const key = typeof o.priority === 'string' ? o.priority.toLowerCase() : '';
    if (!Object.hasOwn(PRIORITY, key)) throw new CookieError(`Cookie ${name}: priority must be Low, Medium or High, got ${shown(o.priority)}`);
    priority = PRIORITY[key]!;
  }
  let maxAge: number | undefined;
  if (o.maxAge !== undefined) {
    if (typeof o.maxAge !== 'number' || !Number.isInteger(o.maxAge) || o.maxAge < 0 || o.maxAge > MAX_COOKIE_AGE) {
      throw new CookieError(`Cookie ${name}: maxAge must be whole seconds from 0 to ${MAX_COOKIE_AGE} (400 days), got ${shown(o.maxAge)}`);
    }
    maxAge = o.maxAge;
  }
  let expires: Date | undefined;
  if (o.expires !== undefined) {
    const t = o.expires instanceof Date ? o.expires.getTime() : NaN;
    if (!Number.isFinite(t) || t < 0 || t > 253402300799000) throw new CookieError(`Cookie ${name}: expires must be a valid Date between 1970 and 9999`);
    expires = o.expires as Date;
  } else if (maxAge !== undefined) {
    expires = new Date((now ?? Date.now()) + maxAge * 1000);
  }

  if (sameSite === 'None' && !secure) throw new CookieError(`Cookie ${name}: SameSite=None requires Secure`);
  if (partitioned && !secure) throw new CookieError(`Cookie ${name}: Partitioned requires Secure`);
  if (isHostPrefixed(name)) {
    if (!secure) throw new CookieError(`Cookie ${name}: the __Host- prefix requires Secure`);
    if (domain !== undefined) throw new CookieError(`Cookie ${name}: the __Host- prefix forbids Domain`);
    if (path !== '/') throw new CookieError(`Cookie ${name}: the __Host- prefix requires Path=/`);
  } else if (isSecurePrefixed(name) && !secure) {
    throw new CookieError(`Cookie ${name}: the __Secure- prefix requires Secure`);
  }

  const encoded = encodeCookieValue(value);
  if (Buffer.byteLength(name) + Buffer.byteLength(encoded) > MAX_COOKIE_SIZE) {
    throw new CookieError(`Cookie ${name}: name and encoded value exceed ${MAX_COOKIE_SIZE} bytes; browsers would drop it`);
  }
  let line = `${name}=${encoded}; Path=${path}`;
  if (domain !== undefined) line += `; Domain=${domain}`;
  if (maxAge !== undefined) line += `; Max-Age=${maxAge}`;
  if (expires !== undefined) line += `; Expires=${expires.toUTCString()}`;
  if (secure) line += '; Secure';
  if (httpOnly) line += '; HttpOnly';
  line += `; SameSite=${sameSite}`;
  if (priority !== undefined) line += `; Priority=${priority}`;
  if (partitioned) line += '; Partitioned';
  assertHeader('set-cookie', line); // unreachable failure: every part above is ASCII without controls
  return line;
}

/**
 * The `Set-Cookie` value that removes a cookie: empty value, `Max-Age=0` and `Expires` at the
 * epoch, with the same `path`/`domain` (a browser only replaces a cookie with matching ones).
 * @throws {CookieError} as {@link serializeCookie}
 * @example deleteCookieHeader('sid') // 'sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; SameSite=Lax'
 */
export function deleteCookieHeader<N extends string>(name: N, options?: CookieOptionsFor<N>): string {
  const o = { ...(options ?? {}), maxAge: 0, expires: new Date(0) } as CookieOptionsFor<N>;
  return serializeCookie(name, '', o);
}
