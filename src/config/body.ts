/**
 * The `bodyLimits` setting: every request body limit, finite by default, from options and the
 * `PHIAL_MAX_*` environment variables. `maxContentLength` stays a top-level setting (Flask's
 * `MAX_CONTENT_LENGTH`) and is copied in.
 *
 * @module
 */
import { ConfigError, checkInteger, envValue, parseInteger, shown, type EnvSource } from './env.ts';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from '../http/body/index.ts';

/** Environment variables of the body limits (bytes or counts). */
const ENV: Partial<Record<keyof BodyLimits, string>> = {
  maxFormMemorySize: 'PHIAL_MAX_FORM_MEMORY_SIZE',
  maxFormParts: 'PHIAL_MAX_FORM_PARTS',
  maxFiles: 'PHIAL_MAX_FILES',
  maxFileSize: 'PHIAL_MAX_FILE_SIZE',
};

/**
 * Resolves the body limits: defaults ({@link DEFAULT_BODY_LIMITS}, Flask 3.1's form limits), then
 * options, then environment. `maxFileSize` defaults to `maxContentLength`.
 * @throws {ConfigError} PHIAL_E_BAD_VALUE naming the setting for an unknown key or a value that is
 *   not a non-negative integer
 */
export function resolveBodyLimits(env: EnvSource, options: Partial<BodyLimits> | undefined, maxContentLength: number): BodyLimits {
  const out: Record<string, number> = { ...DEFAULT_BODY_LIMITS, maxFileSize: maxContentLength };
  if (options !== undefined) {
    if (typeof options !== 'object' || options === null) throw new ConfigError('PHIAL_E_BAD_VALUE', 'bodyLimits', `expected an object, got ${shown(options)}`);
    for (const [k, v] of Object.entries(options)) {
      if (!(k in DEFAULT_BODY_LIMITS)) throw new ConfigError('PHIAL_E_BAD_VALUE', `bodyLimits.${k}`, `unknown body limit (known: ${Object.keys(DEFAULT_BODY_LIMITS).join(', ')})`);
      if (k === 'maxContentLength') throw new ConfigError('PHIAL_E_BAD_VALUE', 'bodyLimits.maxContentLength', 'set maxContentLength at the top level');
      if (v !== undefined) out[k] = checkInteger(`bodyLimits.${k}`, v, 0, Number.MAX_SAFE_INTEGER);
    }
  }
  for (const [k, name] of Object.entries(ENV)) {
    const raw = envValue(env, name);
    if (raw !== undefined) out[k] = parseInteger(name, raw, 0, Number.MAX_SAFE_INTEGER);
  }
  out.maxContentLength = maxContentLength;
  return Object.freeze(out) as unknown as BodyLimits;
}
