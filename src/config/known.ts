/**
 * Unknown names are errors: an option key or a `PHIAL_*` variable that no setting reads is almost
 * always a typo (two letters of `PHIAL_SECRET_KEY` swapped), and a typo in a security setting must not silently fall
 * back to the default. The error names the closest known setting.
 *
 * @module
 */
import { ConfigError } from '../errors/config-error.ts';
import { closestName } from '../util/closest.ts';
import { envValue, shown, type EnvSource } from '../util/env.ts';
import { APP_OPTIONS, KNOWN_VARIABLES, SETTINGS } from './settings.ts';

/** Top-level option keys: the first segment of every option path, and the app options. */
const TOP_LEVEL: readonly string[] = [...new Set([...SETTINGS.map((s) => s.option.split('.')[0]!), ...APP_OPTIONS.map(([o]) => o)])];

/** Keys of each option group (`server`, `bodyLimits`). */
const GROUPS: ReadonlyMap<string, readonly string[]> = (() => {
  const groups = new Map<string, string[]>();
  for (const s of SETTINGS) {
    const [group, key] = s.option.split('.');
    if (key !== undefined) groups.set(group!, [...(groups.get(group!) ?? []), key]);
  }
  return groups;
})();

function unknown(name: string, kind: string, candidates: readonly string[], suggestion: string | undefined): ConfigError {
  const hint = suggestion !== undefined ? `did you mean ${suggestion}?` : `known: ${candidates.join(', ')}`;
  return new ConfigError('PHIAL_E_UNKNOWN_SETTING', name, `unknown ${kind}; ${hint}`);
}

/**
 * Refuses option keys no setting reads, at the top level and inside `server` / `bodyLimits`.
 * Keys whose value is `undefined` count as absent (`{ ...defaults, port: undefined }`).
 *
 * @throws ConfigError PHIAL_E_UNKNOWN_SETTING naming the key and the closest known one;
 *   PHIAL_E_BAD_VALUE for a group that is not an object, or `bodyLimits.maxContentLength`
 *   (a top-level setting)
 */
export function assertKnownOptions(options: object): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError('PHIAL_E_BAD_VALUE', 'options', `expected an object, got ${shown(options)}`);
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!TOP_LEVEL.includes(key)) throw unknown(key, 'option', TOP_LEVEL, closestName(key, TOP_LEVEL));
    const keys = GROUPS.get(key);
    if (keys === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ConfigError('PHIAL_E_BAD_VALUE', key, `expected an object of ${key === 'server' ? 'limits' : 'body limits'}, got ${shown(value)}`);
    }
    for (const [sub, v] of Object.entries(value as object)) {
      if (v === undefined) continue;
      if (key === 'bodyLimits' && sub === 'maxContentLength') {
        throw new ConfigError('PHIAL_E_BAD_VALUE', 'bodyLimits.maxContentLength', 'set maxContentLength at the top level');
      }
      if (!keys.includes(sub)) {
        const near = closestName(sub, keys);
        throw unknown(`${key}.${sub}`, key === 'server' ? 'server limit' : 'body limit', keys.map((k) => `${key}.${k}`), near && `${key}.${near}`);
      }
    }
  }
}

/**
 * Refuses `PHIAL_*` variables that no setting reads and {@link OTHER_VARIABLES} does not list.
 * Empty variables count as unset, as everywhere in the loader.
 *
 * @throws ConfigError PHIAL_E_UNKNOWN_SETTING naming the variable and the closest known one
 */
export function assertKnownVariables(env: EnvSource): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith('PHIAL_') || KNOWN_VARIABLES.has(name) || envValue(env, name) === undefined) continue;
    const phial = [...KNOWN_VARIABLES].filter((v) => v.startsWith('PHIAL_'));
    const near = closestName(name, phial, 'PHIAL_');
    throw new ConfigError('PHIAL_E_UNKNOWN_SETTING', name,
      `no Phial setting reads this variable; ${near !== undefined ? `did you mean ${near}?` : 'see docs/configuration.md'}`);
  }
}
