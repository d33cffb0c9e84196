/**
 * The app environment, `'development'` or `'production'`: a leaf, so that every layer (session
 * stores, the database) can take the app's environment without importing the configuration.
 *
 * @module
 */

/** `'development'` (the default) or `'production'`; never inferred from `NODE_ENV`. */
export type PhialEnv = 'development' | 'production';

/** Every {@link PhialEnv}, in the order documented. */
export const APP_ENVS: readonly PhialEnv[] = Object.freeze(['development', 'production']);
