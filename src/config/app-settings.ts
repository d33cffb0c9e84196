/**
 * The app's own settings — Flask's `app.config['UPLOAD_FOLDER']` — typed by declaration merging
 * and loadable from a prefixed environment (Flask's `app.config.from_prefixed_env()`), with a
 * parser per setting instead of Flask's guess-by-JSON, so a bad value stops the start.
 *
 * ```ts
 * declare module 'phial' {
 *   interface AppSettings { uploadFolder: string; pageSize: number }
 * }
 * const app = new Phial({
 *   settings: { uploadFolder: 'uploads', pageSize: 20 },            // values from code
 *   settingsEnv: { prefix: 'NOTES_', parse: { pageSize: envParsers.integer(1, 500) } }, // NOTES_PAGE_SIZE
 * });
 * app.settings.pageSize; // number
 * ```
 *
 * @module
 */
import { ConfigError } from '../errors/config-error.ts';
import { closestName } from '../util/closest.ts';
import { envValue, parseList, shown, type EnvSource } from '../util/env.ts';

/**
 * The app's own settings, read as `app.settings`. Empty here: declare yours with
 * `declare module 'phial' { interface AppSettings { uploadFolder: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- a declaration-merging target, filled by apps
export interface AppSettings {}

/**
 * Turns a variable's text into a setting value. Throw (any error) to refuse it: Phial reports a
 * `ConfigError` naming the variable, the error's message and the value.
 */
export type SettingParser<T> = (raw: string, variable: string) => T;

/** Which app settings the environment may set (option `settingsEnv`). */
export interface AppSettingsEnv {
  /**
   * Prefix of the variables, upper case and ending in `_`, e.g. `'NOTES_'`: the setting
   * `uploadFolder` is read from `NOTES_UPLOAD_FOLDER`. `PHIAL_` (Phial's own) and `NODE_` are refused.
   * Every non-empty variable with the prefix must be a declared setting (typos are errors).
   */
  readonly prefix: string;
  /**
   * The settings the environment may set, each with its parser (see {@link envParsers}). A
   * setting without a parser is set in code only.
   */
  readonly parse: { readonly [K in keyof AppSettings]?: SettingParser<AppSettings[K]> };
}

// Django's rule for values its debug page hides (django.views.debug HIDDEN_SETTINGS): such a
// value is never repeated in an error message.
const SECRET_NAME = /API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE/i;

// Namespaces the app does not own: Phial's settings, and Node's (NODE_ENV, NODE_OPTIONS, …), which
// the unknown-variable check would otherwise refuse.
const RESERVED_PREFIXES = ['PHIAL_', 'NODE_'];

const refuse = (why: string): never => { throw new Error(why); };

/**
 * Parsers for {@link AppSettingsEnv.parse}. Strict like Phial's own: no spaces, signs only where
 * allowed, one spelling of booleans. Each refuses a value with an `Error` stating what it expected.
 */
export const envParsers = Object.freeze({
  /** The text as is. */
  string: (raw: string): string => raw,
  /** A decimal integer within [min, max] (default: the safe integers); `-` only when `min < 0`. */
  integer: (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): SettingParser<number> => (raw) => {
    const n = /^-?[0-9]{1,16}$/.test(raw) && (min < 0 || !raw.startsWith('-')) ? Number(raw) : NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : refuse(`expected an integer from ${min} to ${max}`);
  },
  /** A finite decimal number within [min, max] (`1.5`, `-2`, `1e3`; not `0x10`, `Infinity` or spaces). */
  number: (min = -Number.MAX_VALUE, max = Number.MAX_VALUE): SettingParser<number> => (raw) => {
    const n = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/.test(raw) ? Number(raw) : NaN;
    return Number.isFinite(n) && n >= min && n <= max ? n : refuse(`expected a number from ${min} to ${max}`);
  },
  /** `1`/`true` or `0`/`false`, any case; nothing else. */
  boolean: (raw: string): boolean => {
    const v = raw.toLowerCase();
    return v === '1' || v === 'true' ? true : v === '0' || v === 'false' ? false : refuse('expected 1, true, 0 or false');
  },
  /** A comma-separated list, items trimmed, empty items dropped; frozen. */
  list: (raw: string): readonly string[] => Object.freeze(parseList(raw)),
  /** One of the given words, exactly. */
  oneOf: <const T extends string>(...allowed: T[]): SettingParser<T> => (raw) =>
    (allowed as string[]).includes(raw) ? raw as T : refuse(`expected one of ${allowed.join(', ')}`),
  /** An absolute `http:` or `https:` URL, normalised by the URL parser. */
  url: (raw: string): string => {
    let url: URL | undefined;
    try { url = new URL(raw); } catch { url = undefined; }
    return url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : refuse('expected an http(s) URL');
  },
  /** JSON (Flask's default `loads`), for structured values. */
  json: (raw: string): unknown => {
    try { return JSON.parse(raw) as unknown; } catch { return refuse('expected JSON'); }
  },
});

/** The variable of a setting: `uploadFolder` → `<prefix>UPLOAD_FOLDER`. */
export function appSettingVariable(prefix: string, key: string): string {
  return `${prefix}${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Checks `settingsEnv` and returns variable → setting key. */
function variablesOf(spec: unknown): { prefix: string; vars: Map<string, string>; parse: Record<string, unknown> } {
  if (!isPlainObject(spec)) throw new ConfigError('PHIAL_E_BAD_VALUE', 'settingsEnv', `expected { prefix, parse }, got ${shown(spec)}`);
  const { prefix, parse } = spec;
  if (typeof prefix !== 'string' || !/^[A-Z][A-Z0-9_]*_$/.test(prefix) || RESERVED_PREFIXES.some((p) => prefix.startsWith(p))) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', 'settingsEnv.prefix',
      `expected upper-case letters, digits and _ ending in _ (e.g. NOTES_), not ${RESERVED_PREFIXES.join(' or ')}, got ${shown(prefix)}`);
  }
  if (!isPlainObject(parse)) throw new ConfigError('PHIAL_E_BAD_VALUE', 'settingsEnv.parse', `expected an object of parsers, got ${shown(parse)}`);
  const vars = new Map<string, string>();
  for (const [key, parser] of Object.entries(parse)) {
    if (typeof parser !== 'function') throw new ConfigError('PHIAL_E_BAD_VALUE', `settingsEnv.parse.${key}`, `expected a parser function, got ${shown(parser)}`);
    if (!/^[A-Za-z_$][\w$]*$/.test(key)) throw new ConfigError('PHIAL_E_BAD_VALUE', `settingsEnv.parse.${key}`, 'expected a setting name (an identifier)');
    const variable = appSettingVariable(prefix, key);
    const other = vars.get(variable);
    if (other !== undefined) throw new ConfigError('PHIAL_E_BAD_VALUE', `settingsEnv.parse.${key}`, `reads ${variable}, as ${other} does; rename one`);
    vars.set(variable, key);
  }
  return { prefix, vars, parse };
}

/**
 * Resolves the app settings: the `settings` values from code, then each variable of
 * `settingsEnv` that is set (empty counts as unset), parsed by its parser.
 *
 * @param values - option `settings`: the values from code
 * @param spec - option `settingsEnv`, or `undefined` for code-only settings
 * @returns a frozen object, `app.settings`
 * @throws ConfigError PHIAL_E_BAD_VALUE for a malformed `settings`/`settingsEnv` or a value its
 *   parser refused (naming the variable, and the value unless the name looks secret: `KEY`, `AUTH`,
 *   `TOKEN`, `SECRET`, `PASS`, `API`, `SIGNATURE`); PHIAL_E_UNKNOWN_SETTING for a prefixed
 *   variable no parser reads (with the closest one); PHIAL_E_SETTING_MISSING for a declared
 *   setting with neither a value in `settings` nor its variable
 */
export function loadAppSettings(values: unknown, spec: unknown, env: EnvSource): Readonly<AppSettings> {
  if (values !== undefined && !isPlainObject(values)) throw new ConfigError('PHIAL_E_BAD_VALUE', 'settings', `expected a plain object, got ${shown(values)}`);
  const out: Record<string, unknown> = { ...values };
  if (spec === undefined) return deepFreeze(out) as Readonly<AppSettings>;
  const { prefix, vars, parse } = variablesOf(spec);
  for (const name of Object.keys(env)) {
    if (!name.startsWith(prefix) || vars.has(name) || envValue(env, name) === undefined) continue;
    const codeOnly = Object.keys(out).find((k) => appSettingVariable(prefix, k) === name);
    if (codeOnly !== undefined) {
      throw new ConfigError('PHIAL_E_UNKNOWN_SETTING', name, `the setting ${codeOnly} is set in code only; add a parser to settingsEnv.parse.${codeOnly} to read it`);
    }
    const near = closestName(name, vars.keys(), prefix);
    throw new ConfigError('PHIAL_E_UNKNOWN_SETTING', name, `no app setting reads this variable; ${near !== undefined ? `did you mean ${near}?` : `known: ${[...vars.keys()].join(', ') || 'none'}`}`);
  }
  for (const [variable, key] of vars) {
    const raw = envValue(env, variable);
    if (raw === undefined) {
      if (!Object.hasOwn(out, key)) {
        throw new ConfigError('PHIAL_E_SETTING_MISSING', variable, `the app setting ${key} has no value: set ${variable} or give it in settings`);
      }
      continue;
    }
    try {
      out[key] = (parse[key] as SettingParser<unknown>)(raw, variable);
    } catch (err) {
      const why = err instanceof ConfigError ? err.detail : err instanceof Error ? err.message : String(err);
      throw new ConfigError('PHIAL_E_BAD_VALUE', variable, SECRET_NAME.test(key) ? `${why} (value not shown: the name looks secret)` : `${why}, got ${shown(raw)}`, { cause: err });
    }
  }
  return deepFreeze(out) as Readonly<AppSettings>;
}

/**
 * Freezes plain objects and arrays all the way down: settings are read-only for the life of the
 * app, nested lists included. Other objects (a URL, a class instance) are left as they are.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}
