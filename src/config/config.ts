/**
 * Typed configuration: constructor options, `PHIAL_*` environment variables and `*_FILE`
 * secrets, resolved once into a frozen {@link PhialConfig}, with the production guards.
 *
 * Precedence, lowest to highest: built-in defaults < constructor options < plain `HOST` /
 * `PORT` < `PHIAL_*` variables. Deploy settings belong to the deployment (12-factor, and
 * Flask's `app.config.from_prefixed_env()` is called after the code's own config), so one
 * image runs unchanged everywhere. Paths (`rootPath`, folders) come from code only.
 *
 * Production is explicit: `env: 'production'` or `PHIAL_ENV=production`. `NODE_ENV` is never
 * enough: `NODE_ENV=production` with no Phial env set is refused (PHIAL_E_ENV_AMBIGUOUS)
 * rather than silently run with development defaults on a server (PaaS buildpacks set it).
 *
 * @module
 */
import { resolveBodyLimits } from './body.ts';
import type { BodyLimits } from '../http/body/index.ts';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import {
  assertStrongSecrets, checkBoolean, checkEnum, checkInteger, checkStringArray, ConfigError, envValue,
  parseBoolean, parseInteger, parseList, resolveSecrets, shown, type EnvSource, type SecretKeySource,
} from './env.ts';
import { compileSecurityHeaders, type SecurityHeaderOptions } from '../security/headers.ts';
import { compileTrustedProxies, parseTrustedProxies, type TrustedProxies, type TrustedProxiesOption } from '../http/proxy.ts';
import { isLoopbackHost } from '../net/loopback.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../server/limits.ts';
import type { PhialEnv } from '../util/phial-env.ts';

export { checkSecretKey, ConfigError, type ConfigErrorCode, type SecretKeySource } from './env.ts';
// Owned by the lower layers; re-exported so the configuration's public names stay where they were.
export { isLoopbackHost } from '../net/loopback.ts';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../server/limits.ts';
export type { PhialEnv } from '../util/phial-env.ts';

/** pino's levels. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Constructor options; all optional. See {@link loadConfig} for the environment variables. */
export interface PhialOptions {
  /** App name for logs and listings. Default `'app'`. */
  name?: string;
  /** Default `'development'`; `PHIAL_ENV` overrides. */
  env?: PhialEnv;
  /** Default `false`; refused in production. `PHIAL_DEBUG` overrides. */
  debug?: boolean;
  /** Signing key, ≥ 32 bytes in production. Prefer `PHIAL_SECRET_KEY_FILE`; keys in code leak via git. */
  secretKey?: string;
  /** Old keys still accepted for verification during rotation (Flask 3.1 SECRET_KEY_FALLBACKS). */
  secretKeyFallbacks?: string[];
  /** Folder of the app module. Default `process.cwd()`. */
  rootPath?: string;
  /** Default `<rootPath>/instance`; holds the development secret key. */
  instancePath?: string;
  /** Relative to `rootPath` unless absolute. Default `'templates'`. */
  templateFolder?: string;
  /** Relative to `rootPath` unless absolute, or `false` for none. Default `'static'`. */
  staticFolder?: string | false;
  /** URL prefix of static files. Default `'/static'`. */
  staticUrlPath?: string;
  /** Bind address. Default `'127.0.0.1'` (loopback: nothing is exposed by accident). */
  host?: string;
  /** Default 5000 (Flask's); 0 picks a free port. */
  port?: number;
  /** Canonical external origin, e.g. `'https://app.example'`, for external URLs (never the Host header). */
  origin?: string;
  /** Host names accepted in the `Host` header; required in production on a non-loopback bind. */
  trustedHosts?: string[];
  /**
   * Reverse proxies whose `X-Forwarded-*` (or, with `header: 'forwarded'`, `Forwarded`) headers
   * are believed. Default: none, so the client is the socket peer and those headers are ignored.
   * A hop count (`1`: one proxy in front, Werkzeug ProxyFix style), or addresses, CIDR ranges and
   * the presets `'loopback'`/`'private'` (`['10.0.0.0/8']`), or `{ hops | addresses, header }`.
   * `PHIAL_TRUSTED_PROXIES` overrides (`1`, `10.0.0.0/8,127.0.0.1`, `loopback,header=forwarded`).
   * See `src/http/proxy.ts` for the rules.
   */
  trustedProxies?: TrustedProxiesOption;
  /** Largest accepted request body, bytes. Default 1 048 576 (1 MiB, nginx's `client_max_body_size`). */
  maxContentLength?: number;
  /**
   * Form and upload limits (bytes and counts), field by field over the defaults: `maxFormMemorySize`
   * 500 000, `maxFormParts` 1000, `maxFiles` 10, `maxFileSize` = `maxContentLength`, and the parser caps
   * documented in docs/security.md. Routes override them with their own `bodyLimits`.
   */
  bodyLimits?: Partial<BodyLimits>;
  /** Security header block; validated here, compiled at freeze. */
  securityHeaders?: SecurityHeaderOptions;
  /** Overrides of {@link DEFAULT_SERVER_LIMITS}. */
  server?: Partial<ServerLimits>;
  /** Default `'info'`. */
  logLevel?: LogLevel;
}

/**
 * The resolved, frozen configuration. `rootPath` and `instancePath` are absolute;
 * `templateFolder` and `staticFolder` are kept as given, relative to `rootPath` unless
 * absolute: open them with `path.resolve(config.rootPath, folder)` (not `join`). `secretKey` and
 * `secretKeyFallbacks` are non-enumerable, so `JSON.stringify(config)`, `console.log(config)`
 * and `{ ...config }` never carry them; read them by name.
 */
export interface PhialConfig {
  readonly name: string;
  readonly env: PhialEnv;
  readonly debug: boolean;
  readonly secretKey: string;
  readonly secretKeyFallbacks: readonly string[];
  readonly secretKeySource: SecretKeySource;
  readonly rootPath: string;
  readonly instancePath: string;
  readonly templateFolder: string;
  readonly staticFolder: string | false;
  readonly staticUrlPath: string;
  readonly host: string;
  readonly port: number;
  /** Normalised origin (`scheme://host[:port]`), or `null` when not configured. */
  readonly origin: string | null;
  /** Lower-cased entries as given; matching rules belong to the host check. */
  readonly trustedHosts: readonly string[];
  /** Compiled and frozen; `hops` 0 and no `cidrs` when no proxy is trusted (the default). */
  readonly trustedProxies: TrustedProxies;
  readonly maxContentLength: number;
  /** Every body limit, `maxContentLength` included. */
  readonly bodyLimits: Readonly<BodyLimits>;
  readonly securityHeaders: Readonly<SecurityHeaderOptions>;
  readonly server: Readonly<ServerLimits>;
  readonly logLevel: LogLevel;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MAX_TIMER_MS = 2_147_483_647; // Node clamps larger timer delays to 1 ms: a "long" timeout would fire at once
const SERVER_KEYS = Object.keys(DEFAULT_SERVER_LIMITS) as (keyof ServerLimits)[];
/**
 * Validates an option value (even when overridden: a bad value in code is a bug either way),
 * then lets the first set environment variable override it.
 */
function pick<T>(
  env: EnvSource, variables: readonly string[], fromEnv: (name: string, raw: string) => T,
  optionName: string, option: unknown, fromOption: (name: string, value: unknown) => T, fallback: T,
): T {
  const fromCode = option === undefined ? fallback : fromOption(optionName, option);
  for (const v of variables) {
    const raw = envValue(env, v);
    if (raw !== undefined) return fromEnv(v, raw);
  }
  return fromCode;
}

function checkHost(setting: string, value: unknown): string {
  const h = typeof value === 'string' ? value.replace(/^\[(.*)\]$/, '$1') : '';
  if (isIP(h) === 0 && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,252})$/.test(h)) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `expected an IP address or host name, got ${shown(value)}`);
  }
  return h;
}

function checkOrigin(setting: string, value: unknown): string {
  let url: URL | undefined;
  try { url = typeof value === 'string' ? new URL(value) : undefined; } catch { url = undefined; }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' ||
    url.password !== '' || url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[/?#]$/.test(String(value))) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `expected an origin like https://app.example (no path, query or credentials), got ${shown(value)}`);
  }
  return url.origin;
}

function checkHosts(setting: string, value: unknown): string[] {
  const hosts = checkStringArray(setting, value).map((h) => h.toLowerCase());
  for (const h of hosts) {
    if (!/^[a-z0-9.*:[\]-]+$/.test(h)) throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `bad host name ${shown(h)}`);
  }
  return hosts;
}

function checkTrustedProxies(setting: string, value: unknown): TrustedProxies {
  try {
    return compileTrustedProxies(value as TrustedProxiesOption);
  } catch (err) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function parseTrustedProxiesEnv(setting: string, raw: string): TrustedProxies {
  try {
    return parseTrustedProxies(raw);
  } catch (err) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `${err instanceof Error ? err.message : String(err)} (in ${shown(raw)})`, { cause: err });
  }
}

function checkUrlPath(setting: string, value: unknown): string {
  if (typeof value !== 'string' || !/^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/.test(value) || /\/\.{1,2}(\/|$)/.test(value)) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `expected a path like /static (no trailing slash, no dot segments), got ${shown(value)}`);
  }
  return value;
}

function checkString(setting: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `expected a non-empty string, got ${shown(value)}`);
  return value;
}

/** A folder option kept as given (Flask keeps template_folder relative to root_path). */
function folder(setting: string, value: unknown, fallback: string): string {
  return checkString(setting, value === undefined ? fallback : value);
}

function resolveServer(env: EnvSource, options: Partial<ServerLimits> | undefined): ServerLimits {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', 'server', 'expected an object of limits');
  }
  for (const key of Object.keys(options ?? {})) {
    if (!(SERVER_KEYS as string[]).includes(key)) {
      throw new ConfigError('PHIAL_E_BAD_VALUE', `server.${key}`, `unknown server limit; known: ${SERVER_KEYS.join(', ')}`);
    }
  }
  const envName = (k: string): string => `PHIAL_SERVER_${k.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
  const known = new Set(SERVER_KEYS.map(envName));
  for (const name of Object.keys(env)) {
    if (name.startsWith('PHIAL_SERVER_') && !known.has(name) && envValue(env, name) !== undefined) {
      throw new ConfigError('PHIAL_E_BAD_VALUE', name, `unknown server limit; known: ${[...known].join(', ')}`);
    }
  }
  const out = {} as ServerLimits;
  const from: Partial<Record<keyof ServerLimits, string>> = {}; // who set a limit, for messages
  for (const key of SERVER_KEYS) {
    const max = key.endsWith('Timeout') ? MAX_TIMER_MS : Number.MAX_SAFE_INTEGER;
    const raw = envValue(env, envName(key));
    const option = options?.[key];
    out[key] = option === undefined ? DEFAULT_SERVER_LIMITS[key] : checkInteger(`server.${key}`, option, 1, max);
    if (option !== undefined) from[key] = `server.${key}`;
    if (raw !== undefined) [out[key], from[key]] = [parseInteger(envName(key), raw, 1, max), envName(key)];
  }
  if (out.headersTimeout > out.requestTimeout) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', from.headersTimeout ?? from.requestTimeout ?? 'server',
      `headersTimeout (${out.headersTimeout} ms) must not exceed requestTimeout (${out.requestTimeout} ms)`);
  }
  return Object.freeze(out);
}

/**
 * Resolves the configuration from constructor options and the environment, and applies the
 * production guards that do not depend on the bind address.
 *
 * Environment variables (empty = unset; each overrides the option of the same meaning):
 * `PHIAL_ENV` (`development` | `production`), `PHIAL_DEBUG` (`1`/`true`/`0`/`false`),
 * `PHIAL_SECRET_KEY` or `PHIAL_SECRET_KEY_FILE`, `PHIAL_SECRET_KEY_FALLBACKS` (comma list) or
 * `PHIAL_SECRET_KEY_FALLBACKS_FILE` (one key per line), `PHIAL_HOST` > `HOST`,
 * `PHIAL_PORT` > `PORT`, `PHIAL_ORIGIN`, `PHIAL_TRUSTED_HOSTS` (comma list),
 * `PHIAL_TRUSTED_PROXIES` (a hop count, or a comma list of addresses, CIDR ranges and presets,
 * optionally with `header=forwarded`),
 * `PHIAL_MAX_CONTENT_LENGTH` (bytes), `PHIAL_LOG_LEVEL`, and `PHIAL_SERVER_HEADERS_TIMEOUT`,
 * `_REQUEST_TIMEOUT`, `_KEEP_ALIVE_TIMEOUT`, `_MAX_HEADER_SIZE`, `_MAX_REQUESTS_PER_SOCKET`,
 * `_MAX_CONNECTIONS`, `_SHUTDOWN_TIMEOUT`. `*_FILE` contents lose trailing newlines only.
 *
 * Development without a key: a random one is kept in `<instancePath>/secret_key` (0600).
 *
 * @param options constructor options
 * @param env defaults to `process.env`
 * @returns the frozen config; `secretKey`/`secretKeyFallbacks` are non-enumerable
 * @throws ConfigError PHIAL_E_BAD_VALUE (a value that does not parse; names the variable or
 *   option), PHIAL_E_CONFLICT, PHIAL_E_ENV_AMBIGUOUS, PHIAL_E_SECRET_FILE, and in production
 *   PHIAL_E_DEBUG_IN_PRODUCTION, PHIAL_E_SECRET_MISSING, PHIAL_E_SECRET_WEAK
 * @example
 * const config = loadConfig({ name: 'notes', origin: 'https://notes.example' });
 */
export function loadConfig(options: PhialOptions = {}, env: NodeJS.ProcessEnv = process.env): PhialConfig {
  const phialEnv = pick<PhialEnv>(env, ['PHIAL_ENV'], (n, r) => checkEnum(n, r, ['development', 'production']),
    'env', options.env, (n, v) => checkEnum(n, v, ['development', 'production']), 'development');
  if (options.env === undefined && envValue(env, 'PHIAL_ENV') === undefined && env.NODE_ENV === 'production') {
    throw new ConfigError('PHIAL_E_ENV_AMBIGUOUS', 'PHIAL_ENV',
      'NODE_ENV=production but PHIAL_ENV is not set; set PHIAL_ENV=production (or PHIAL_ENV=development to confirm)');
  }
  const production = phialEnv === 'production';
  const debug = pick(env, ['PHIAL_DEBUG'], parseBoolean, 'debug', options.debug, checkBoolean, false);
  if (production && debug) {
    throw new ConfigError('PHIAL_E_DEBUG_IN_PRODUCTION', envValue(env, 'PHIAL_DEBUG') !== undefined ? 'PHIAL_DEBUG' : 'debug',
      'debug mode shows internals and must be off in production');
  }
  const rootPath = resolve(options.rootPath === undefined ? process.cwd() : checkString('rootPath', options.rootPath));
  const instancePath = resolve(rootPath, folder('instancePath', options.instancePath, 'instance'));
  const secrets = resolveSecrets(env, options, production, instancePath);
  if (production) assertStrongSecrets(secrets.secretKey, secrets.setting, secrets.fallbacks, secrets.fallbackSetting);

  const securityHeaders = options.securityHeaders ?? {};
  try {
    compileSecurityHeaders(securityHeaders); // fail at startup, not at first request
  } catch (err) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', 'securityHeaders', err instanceof Error ? err.message : String(err), { cause: err });
  }

  const config = {
    name: options.name === undefined ? 'app' : checkString('name', options.name),
    env: phialEnv,
    debug,
    secretKeySource: secrets.source,
    rootPath,
    instancePath,
    templateFolder: folder('templateFolder', options.templateFolder, 'templates'),
    staticFolder: options.staticFolder === false ? false : folder('staticFolder', options.staticFolder, 'static'),
    staticUrlPath: options.staticUrlPath === undefined ? '/static' : checkUrlPath('staticUrlPath', options.staticUrlPath),
    host: pick(env, ['PHIAL_HOST', 'HOST'], checkHost, 'host', options.host, checkHost, '127.0.0.1'),
    port: pick(env, ['PHIAL_PORT', 'PORT'], (n, r) => parseInteger(n, r, 0, 65535), 'port', options.port, (n, v) => checkInteger(n, v, 0, 65535), 5000),
    origin: pick<string | null>(env, ['PHIAL_ORIGIN'], checkOrigin, 'origin', options.origin, checkOrigin, null),
    trustedHosts: Object.freeze(pick(env, ['PHIAL_TRUSTED_HOSTS'], (n, r) => checkHosts(n, parseList(r)), 'trustedHosts', options.trustedHosts, checkHosts, [])),
    trustedProxies: pick(env, ['PHIAL_TRUSTED_PROXIES'], parseTrustedProxiesEnv, 'trustedProxies', options.trustedProxies, checkTrustedProxies,
      compileTrustedProxies(undefined)),
    maxContentLength: pick(env, ['PHIAL_MAX_CONTENT_LENGTH'], (n, r) => parseInteger(n, r, 0, Number.MAX_SAFE_INTEGER),
      'maxContentLength', options.maxContentLength, (n, v) => checkInteger(n, v, 0, Number.MAX_SAFE_INTEGER), 1_048_576),
    bodyLimits: undefined as unknown as BodyLimits,
    securityHeaders: Object.freeze({ ...securityHeaders }),
    server: resolveServer(env, options.server),
    logLevel: pick(env, ['PHIAL_LOG_LEVEL'], (n, r) => checkEnum(n, r, LOG_LEVELS), 'logLevel', options.logLevel, (n, v) => checkEnum(n, v, LOG_LEVELS), 'info'),
  };
  config.bodyLimits = resolveBodyLimits(env, options.bodyLimits, config.maxContentLength);
  // Non-enumerable: logging or serialising the config must not leak the keys.
  Object.defineProperties(config, {
    secretKey: { value: secrets.secretKey, enumerable: false },
    secretKeyFallbacks: { value: Object.freeze(secrets.fallbacks), enumerable: false },
  });
  return Object.freeze(config) as PhialConfig;
}

/**
 * The listen-time production guard; does nothing outside production. Re-checks debug and the
 * secret key (a config may be built by hand) and refuses a non-loopback bind (`0.0.0.0`, `::`,
 * `''`, a LAN address, a host name other than `localhost`) without `trustedHosts`: without an
 * allow-list any `Host` header is served, which poisons absolute URLs and caches (case C28).
 *
 * @param config from {@link loadConfig}
 * @param bind the address about to be bound
 * @throws ConfigError PHIAL_E_DEBUG_IN_PRODUCTION, PHIAL_E_SECRET_MISSING, PHIAL_E_SECRET_WEAK,
 *   PHIAL_E_UNTRUSTED_BIND
 * @example
 * assertProductionReady(config, { host: config.host }); server.listen(config.port, config.host);
 */
export function assertProductionReady(config: PhialConfig, bind: { host: string }): void {
  if (config.env !== 'production') return;
  if (config.debug) throw new ConfigError('PHIAL_E_DEBUG_IN_PRODUCTION', 'debug', 'debug mode must be off in production');
  if (!config.secretKey) throw new ConfigError('PHIAL_E_SECRET_MISSING', 'secretKey', 'production needs a secret key');
  assertStrongSecrets(config.secretKey, 'secretKey', config.secretKeyFallbacks, 'secretKeyFallbacks');
  if (!isLoopbackHost(bind.host) && config.trustedHosts.length === 0) {
    throw new ConfigError('PHIAL_E_UNTRUSTED_BIND', 'PHIAL_TRUSTED_HOSTS',
      `binding ${shown(bind.host)} (not loopback) in production needs trusted hosts, e.g. PHIAL_TRUSTED_HOSTS=app.example`);
  }
}
