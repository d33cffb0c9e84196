/**
 * `SetupError`: the app or a blueprint was set up wrong.
 *
 * @module
 */
import { PhialError } from './phial-error.ts';

/** Stable codes carried by {@link SetupError} (see `docs/errors.md`). */
export type SetupErrorCode =
  | 'PHIAL_E_SETUP_FINISHED' // a setup method after the first request
  | 'PHIAL_E_BAD_NAME' // an endpoint, blueprint or converter name that is not an identifier
  | 'PHIAL_E_BAD_PREFIX' // a urlPrefix without a leading slash
  | 'PHIAL_E_DUPLICATE' // a converter registered twice
  | 'PHIAL_E_NO_ORIGIN' // an external URL without the origin setting
  | 'PHIAL_E_NO_TEMPLATES' // rendering without a template folder
  | 'PHIAL_E_BAD_SCHEMA' // a route schema that is not a Standard Schema validator
  | 'PHIAL_E_BAD_ACCEPTS' // a route accepts entry that is not a media type pattern
  | 'PHIAL_E_BAD_LIMIT' // a route body limit that is unknown or not a non-negative integer
  | 'PHIAL_E_BAD_STEP' // a request step with a bad name, position or build result
  | 'PHIAL_E_BAD_EXTENSION' // an extension without a name or an initApp function
  | 'PHIAL_E_BAD_HANDLER' // an error handler for something that is neither a 4xx/5xx status nor a class
  | 'PHIAL_E_UNKNOWN_OPTION'; // a route, blueprint, session, CSRF or header option that does not exist

/**
 * Thrown when setup is done wrong: a bad name, setup after the first request (Flask's "setup
 * method can no longer be called"), a route option that cannot work. Thrown at registration or
 * at freeze, never per request.
 */
export class SetupError extends PhialError {
  declare readonly code: SetupErrorCode;

  constructor(code: SetupErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
