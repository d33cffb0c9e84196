/**
 * Strict parsers for environment variables and option values, shared by every layer that reads
 * its own settings (configuration, database, sessions). Each throws a {@link ConfigError}
 * `PHIAL_E_BAD_VALUE` whose message names the setting and the value. Nothing here knows which
 * settings exist: that is `src/config/settings.ts`.
 *
 * @module
 */
import { ConfigError } from '../errors/config-error.ts';

/** The environment as read by the loader (a subset of `NodeJS.ProcessEnv`). */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Reads a variable; empty counts as unset (Compose and Kubernetes write `VAR=` for "not set"). */
export function envValue(env: EnvSource, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Quotes a (non-secret) value for an error message: JSON escapes CR/LF, long values are cut. */
export function shown(value: unknown): string {
  const s = typeof value === 'string' ? value : String(value);
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

const bad = (setting: string, detail: string): ConfigError => new ConfigError('PHIAL_E_BAD_VALUE', setting, detail);

/** An integer within [min, max] from an option value. @throws ConfigError PHIAL_E_BAD_VALUE */
export function checkInteger(setting: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw bad(setting, `expected an integer from ${min} to ${max}, got ${typeof value === 'number' ? value : shown(value)}`);
  }
  return value;
}

/** Decimal digits only: no sign, spaces, exponent, hex or fraction. @throws ConfigError PHIAL_E_BAD_VALUE */
export function parseInteger(setting: string, raw: string, min: number, max: number): number {
  if (!/^[0-9]{1,16}$/.test(raw)) throw bad(setting, `expected an integer from ${min} to ${max}, got ${shown(raw)}`);
  return checkInteger(setting, Number(raw), min, max);
}

/** `1`/`true` or `0`/`false`, case-insensitive; nothing else. @throws ConfigError PHIAL_E_BAD_VALUE */
export function parseBoolean(setting: string, raw: string): boolean {
  const v = raw.toLowerCase();
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw bad(setting, `expected 1, true, 0 or false, got ${shown(raw)}`);
}

/** A boolean option. @throws ConfigError PHIAL_E_BAD_VALUE */
export function checkBoolean(setting: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw bad(setting, `expected true or false, got ${shown(value)}`);
  return value;
}

/** One of a fixed set of strings (env or option). @throws ConfigError PHIAL_E_BAD_VALUE */
export function checkEnum<T extends string>(setting: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw bad(setting, `expected one of ${allowed.join(', ')}, got ${shown(value)}`);
}

/** A comma-separated list; items are trimmed and empty items dropped (trailing commas). */
export function parseList(raw: string): string[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** An array of strings (Flask's SECRET_KEY_FALLBACKS="old" footgun is a type error here). */
export function checkStringArray(setting: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw bad(setting, `expected an array of strings, got ${Array.isArray(value) ? 'an array with non-strings' : typeof value}`);
  }
  return [...(value as string[])];
}

