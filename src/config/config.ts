/**
 * Typed configuration: constructor options, `PHIAL_*` environment variables and `*_FILE`
 * secrets, resolved once into a frozen {@link PhialConfig}, with the production guards. Which
 * settings exist, their variables, parsers and defaults: the table in `src/config/settings.ts`.
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
 * Unknown option keys and `PHIAL_*` variables are refused (PHIAL_E_UNKNOWN_SETTING) with the
 * closest known name: a typo in a security setting must not fall back to the default silently.
 *
 * @module
 */
import { resolve } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { isLoopbackHost } from '../net/loopback.ts';
import { envValue, shown, type EnvSource } from '../util/env.ts';
import { loadAppSettings } from './app-settings.ts';
import { checkString } from './checks.ts';
import { assertStrongSecrets, resolveSecrets } from './env.ts';
import { assertKnownOptions, assertKnownVariables } from './known.ts';
import { SETTINGS, settingFor, type Setting } from './settings.ts';
import type { PhialConfig, PhialOptions } from './types.ts';

export { checkSecretKey, ConfigError, type ConfigErrorCode, type SecretKeySource } from './env.ts';
export type { LogLevel, PhialConfig, PhialOptions } from './types.ts';
export { SETTINGS, OTHER_VARIABLES, APP_OPTIONS, type Setting } from './settings.ts';
export { envParsers, type AppSettings, type AppSettingsEnv, type SettingParser } from './app-settings.ts';
// Owned by the lower layers; re-exported so the configuration's public names stay where they were.
export { isLoopbackHost } from '../net/loopback.ts';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../server/limits.ts';
export type { PhialEnv } from '../util/phial-env.ts';

/** A resolved value and who set it (variable or option path; `undefined`: the default), for messages. */
interface Resolved {
  readonly value: unknown;
  readonly source: string | undefined;
}

/** The option value at a path (`port`, `server.requestTimeout`). */
function optionAt(options: PhialOptions, path: string): unknown {
  let v: unknown = options;
  for (const key of path.split('.')) v = v === undefined || v === null ? undefined : (v as Record<string, unknown>)[key];
  return v;
}

/**
 * The generic rule of a table row: the option value is checked (even when a variable overrides
 * it: a bad value in code is a bug either way), then the first set variable replaces it.
 */
function resolveRow(s: Setting, options: PhialOptions, env: EnvSource): Resolved {
  const option = optionAt(options, s.option);
  let resolved: Resolved = option === undefined ? { value: s.default, source: undefined } : { value: s.check(s.option, option), source: s.option };
  for (const variable of s.env) {
    const raw = envValue(env, variable);
    if (raw === undefined) continue;
    resolved = { value: s.parse!(variable, raw), source: variable };
    break;
  }
  return resolved;
}

/** Writes `value` at an option path of the config being built; arrays are frozen like the config. */
function assign(target: Record<string, unknown>, path: string, value: unknown): void {
  if (Array.isArray(value)) Object.freeze(value);
  const [head, key] = path.split('.') as [string, string | undefined];
  if (key === undefined) {
    target[head] = value;
    return;
  }
  const group = (target[head] ??= {}) as Record<string, unknown>;
  group[key] = value;
}

/**
 * Resolves the configuration from constructor options and the environment, and applies the
 * production guards that do not depend on the bind address. Every setting, its variables and
 * default: `docs/configuration.md` (generated from `src/config/settings.ts`). Empty variables
 * count as unset; `*_FILE` contents lose trailing newlines only. Development without a key: a
 * random one is kept in `<instancePath>/secret_key` (0600).
 *
 * @param options constructor options (the non-configuration options of `Phial`, such as
 *   `logger` and `session`, are accepted and ignored here)
 * @param env defaults to `process.env`
 * @returns the frozen config; `secretKey`/`secretKeyFallbacks` are non-enumerable
 * @throws ConfigError PHIAL_E_BAD_VALUE (a value that does not parse; names the variable or
 *   option), PHIAL_E_UNKNOWN_SETTING (an option key or `PHIAL_*` variable no setting reads),
 *   PHIAL_E_CONFLICT, PHIAL_E_ENV_AMBIGUOUS, PHIAL_E_SECRET_FILE, PHIAL_E_SETTING_MISSING, and in
 *   production PHIAL_E_DEBUG_IN_PRODUCTION, PHIAL_E_SECRET_MISSING, PHIAL_E_SECRET_WEAK
 * @example
 * const config = loadConfig({ name: 'notes', origin: 'https://notes.example' });
 */
export function loadConfig(options: PhialOptions = {}, env: NodeJS.ProcessEnv = process.env): PhialConfig {
  assertKnownOptions(options);
  assertKnownVariables(env);
  const config: Record<string, unknown> = {};
  const from: Record<string, string | undefined> = {};
  for (const s of SETTINGS) {
    if (s.custom) continue;
    const r = resolveRow(s, options, env);
    assign(config, s.option, r.value);
    from[s.option] = r.source;
  }

  if (options.env === undefined && envValue(env, 'PHIAL_ENV') === undefined && env.NODE_ENV === 'production') {
    throw new ConfigError('PHIAL_E_ENV_AMBIGUOUS', 'PHIAL_ENV',
      'NODE_ENV=production but PHIAL_ENV is not set; set PHIAL_ENV=production (or PHIAL_ENV=development to confirm)');
  }
  const production = config.env === 'production';
  if (production && config.debug === true) {
    throw new ConfigError('PHIAL_E_DEBUG_IN_PRODUCTION', from.debug ?? 'debug', 'debug mode shows internals and must be off in production');
  }
  const rootPath = resolve(options.rootPath === undefined ? process.cwd() : checkString('rootPath', options.rootPath));
  const instancePath = resolve(rootPath, checkString('instancePath', options.instancePath ?? settingFor('instancePath')!.default));
  const secrets = resolveSecrets(env, options, production, instancePath);
  if (production) assertStrongSecrets(secrets.secretKey, secrets.setting, secrets.fallbacks, secrets.fallbackSetting);

  const server = config.server as Record<string, number>;
  if (server.headersTimeout! > server.requestTimeout!) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', from['server.headersTimeout'] ?? from['server.requestTimeout'] ?? 'server',
      `headersTimeout (${server.headersTimeout} ms) must not exceed requestTimeout (${server.requestTimeout} ms)`);
  }
  const body = config.bodyLimits as Record<string, number | undefined>;
  body.maxFileSize ??= config.maxContentLength as number; // Flask: one file may be as large as the whole body
  body.maxContentLength = config.maxContentLength as number;

  Object.assign(config, {
    rootPath, instancePath, secretKeySource: secrets.source,
    server: Object.freeze(server), bodyLimits: Object.freeze(body),
    settings: loadAppSettings(options.settings, options.settingsEnv, env),
  });
  // Non-enumerable: logging or serialising the config must not leak the keys.
  Object.defineProperties(config, {
    secretKey: { value: secrets.secretKey, enumerable: false },
    secretKeyFallbacks: { value: Object.freeze(secrets.fallbacks), enumerable: false },
  });
  return Object.freeze(config) as unknown as PhialConfig;
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
