/**
 * `ConfigError`: a configuration problem found at startup. It lives with the other errors (not
 * in `src/config/`) because the lowest layers — sessions, database, server options — validate
 * their own options and throw it, and must not import the configuration loader.
 *
 * @module
 */
import { PhialError } from './phial-error.ts';

/** Stable codes carried by {@link ConfigError} (see `docs/errors.md`). */
export type ConfigErrorCode =
  | 'PHIAL_E_SECRET_MISSING' // production without a secret key
  | 'PHIAL_E_SECRET_WEAK' // shorter than 32 bytes, a known placeholder or a dev-only key
  | 'PHIAL_E_SECRET_FILE' // a *_FILE secret or the instance secret cannot be read or written
  | 'PHIAL_E_DEBUG_IN_PRODUCTION'
  | 'PHIAL_E_UNTRUSTED_BIND' // production bind to a non-loopback address without trustedHosts
  | 'PHIAL_E_BAD_VALUE' // a setting that does not parse or is out of range
  | 'PHIAL_E_UNKNOWN_SETTING' // an option key or PHIAL_* variable no setting reads (a typo)
  | 'PHIAL_E_SETTING_MISSING' // an app setting with neither a value nor its variable
  | 'PHIAL_E_CONFLICT' // two sources for one secret, e.g. PHIAL_SECRET_KEY and PHIAL_SECRET_KEY_FILE
  | 'PHIAL_E_ENV_AMBIGUOUS'; // NODE_ENV=production but no PHIAL_ENV / env option

/**
 * A configuration problem found at startup. The message is `<setting>: <detail> [<code>]`: it
 * names the setting (an environment variable such as `PHIAL_PORT`, or an option path such as
 * `server.requestTimeout`) and the bad value, except for secrets, whose values are never echoed.
 *
 * @example
 * try { loadConfig({}) } catch (e) { if (e instanceof ConfigError && e.code === 'PHIAL_E_SECRET_MISSING') … }
 */
export class ConfigError extends PhialError {
  declare readonly code: ConfigErrorCode;
  /** The environment variable or option path at fault, e.g. `'PHIAL_PORT'`, `'server.headersTimeout'`. */
  readonly setting: string;
  /** The message without the setting and code, for callers that print their own prefix. */
  readonly detail: string;

  /**
   * @param code - one of {@link ConfigErrorCode}
   * @param setting - the variable or option path at fault
   * @param detail - what is wrong, with the (non-secret) value
   */
  constructor(code: ConfigErrorCode, setting: string, detail: string, options?: ErrorOptions) {
    super(code, `${setting}: ${detail} [${code}]`, options);
    this.setting = setting;
    this.detail = detail;
  }
}
