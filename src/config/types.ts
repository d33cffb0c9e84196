/**
 * The shapes of the configuration: constructor options in, the frozen config out. Each
 * setting's variables, parser and default are in `src/config/settings.ts`.
 *
 * @module
 */
import type { BodyLimits } from '../http/body/index.ts';
import type { TrustedProxies, TrustedProxiesOption } from '../http/proxy.ts';
import type { SecurityHeaderOptions } from '../security/headers.ts';
import type { ServerLimits } from '../server/limits.ts';
import type { PhialEnv } from '../util/phial-env.ts';
import type { AppSettings, AppSettingsEnv } from './app-settings.ts';
import type { SecretKeySource } from './env.ts';
import type { LOG_LEVELS } from './settings.ts';

/** pino's levels. */
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /**
   * The app's own settings, read as `app.settings` (Flask's `app.config['UPLOAD_FOLDER']`), typed
   * by `declare module 'phial' { interface AppSettings { … } }`.
   */
  settings?: Partial<AppSettings>;
  /** Which app settings the environment may set and how each is parsed (Flask's `from_prefixed_env`). */
  settingsEnv?: AppSettingsEnv;
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
  /** The app's own settings (`settings`, then its `settingsEnv` variables); frozen. */
  readonly settings: Readonly<AppSettings>;
}

