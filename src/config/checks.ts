/**
 * Value checks of the settings that need more than the generic parsers of `src/util/env.ts`:
 * hosts, origins, URL paths, proxies, security headers. Each returns the normalised value or
 * throws a `ConfigError` `PHIAL_E_BAD_VALUE` naming the setting and the (non-secret) value.
 *
 * @module
 */
import { isIP } from 'node:net';
import { ConfigError } from '../errors/config-error.ts';
import { compileTrustedProxies, parseTrustedProxies, type TrustedProxies, type TrustedProxiesOption } from '../http/proxy.ts';
import { compileSecurityHeaders, type SecurityHeaderOptions } from '../security/headers.ts';
import { checkStringArray, parseList, shown } from '../util/env.ts';

const bad = (setting: string, detail: string, cause?: unknown): ConfigError =>
  new ConfigError('PHIAL_E_BAD_VALUE', setting, detail, cause === undefined ? undefined : { cause });

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** An IP address (brackets dropped) or a host name. */
export function checkHost(setting: string, value: unknown): string {
  const h = typeof value === 'string' ? value.replace(/^\[(.*)\]$/, '$1') : '';
  if (isIP(h) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,252})$/.test(h)) throw bad(setting, `expected an IP address or host name, got ${shown(value)}`);
  return h;
}

/** `http(s)://host[:port]` with nothing after it, normalised by the URL parser (lower case, default port dropped). */
export function checkOrigin(setting: string, value: unknown): string {
  let url: URL | undefined;
  try { url = typeof value === 'string' ? new URL(value) : undefined; } catch { url = undefined; }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' ||
    url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[/?#]$/.test(String(value))) {
    throw bad(setting, `expected an origin like https://app.example (no path, query or credentials), got ${shown(value)}`);
  }
  return url.origin;
}

/** Host names (and `.domain`, `*.domain`, `*` patterns), lower-cased; the matching rules belong to the host check. */
export function checkHosts(setting: string, value: unknown): string[] {
  const hosts = checkStringArray(setting, value).map((h) => h.toLowerCase());
  for (const h of hosts) if (!/^[a-z0-9.*:[\]-]+$/.test(h)) throw bad(setting, `bad host name ${shown(h)}`);
  return hosts;
}

/** {@link checkHosts} of a comma-separated variable. */
export function parseHosts(variable: string, raw: string): string[] {
  return checkHosts(variable, parseList(raw));
}

/** The `trustedProxies` option, compiled (see `src/http/proxy.ts`). */
export function checkTrustedProxies(setting: string, value: unknown): TrustedProxies {
  try {
    return compileTrustedProxies(value as TrustedProxiesOption);
  } catch (err) {
    throw bad(setting, messageOf(err), err);
  }
}

/** `PHIAL_TRUSTED_PROXIES`: a hop count, or a comma list of addresses, ranges and presets, optionally `header=forwarded`. */
export function parseTrustedProxiesEnv(variable: string, raw: string): TrustedProxies {
  try {
    return parseTrustedProxies(raw);
  } catch (err) {
    throw bad(variable, `${messageOf(err)} (in ${shown(raw)})`, err);
  }
}

/** A URL path like `/static`: no trailing slash, no dot segments, only path characters. */
export function checkUrlPath(setting: string, value: unknown): string {
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/.test(value) || /\/\.{1,2}(\/|$)/.test(value)) {
    throw bad(setting, `expected a path like /static (no trailing slash, no dot segments), got ${shown(value)}`);
  }
  return value;
}

/** A non-empty string. */
export function checkString(setting: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw bad(setting, `expected a non-empty string, got ${shown(value)}`);
  return value;
}

/** A folder kept as given (Flask keeps `template_folder` relative to `root_path`), or `false` for none. */
export function checkFolderOrFalse(setting: string, value: unknown): string | false {
  return value === false ? false : checkString(setting, value);
}

/** The security header options, compiled once here so a mistake fails at startup, not at the first request. */
export function checkSecurityHeaders(setting: string, value: unknown): Readonly<SecurityHeaderOptions> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(setting, `expected an object, got ${shown(value)}`);
  try {
    compileSecurityHeaders(value as SecurityHeaderOptions);
  } catch (err) {
    throw bad(setting, messageOf(err), err);
  }
  return Object.freeze({ ...(value as SecurityHeaderOptions) });
}
