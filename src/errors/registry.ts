/**
 * Every stable error code Phial throws (`PHIAL_E_*`), in one table: which module throws it, with
 * which class, what it means and how to fix it. `docs/errors.md` is generated from this table
 * (`node --import tsx scripts/gen-docs.ts`), and a test checks both directions: every code
 * written anywhere in `src/` is here, and every code here is thrown somewhere.
 *
 * Codes are an API: tests, the CLI and `phial check` match on them, never on message text.
 * A code is never reused for another meaning; a retired code stays documented.
 *
 * This module is a leaf (data only), so the lowest layers can type their codes against it.
 *
 * @module
 */

/** One row of {@link ERROR_CODES}. */
export interface ErrorCodeInfo {
  /** The module (folder) that throws it, e.g. `src/config/`. */
  readonly owner: string;
  /** The class thrown; every one extends `PhialError`. */
  readonly errorClass: string;
  /** What went wrong, one sentence. */
  readonly meaning: string;
  /** What to do about it, one or two sentences. */
  readonly fix: string;
}

/** The registry, ordered by owner then code. Markdown (backticks) is allowed in the texts. */
export const ERROR_CODES = {
  // --- configuration (src/config/) ---------------------------------------------------------
  PHIAL_E_BAD_VALUE: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'A setting does not parse or is out of range; the message names the variable or option and the value (never a secret).',
    fix: 'Correct the value named in the message; `docs/configuration.md` lists what each setting accepts.',
  },
  PHIAL_E_UNKNOWN_SETTING: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'An option key or a `PHIAL_*` (or app-prefixed) environment variable that no setting reads, usually a typo.',
    fix: 'Use the setting the message suggests ("did you mean …?"), or remove the variable.',
  },
  PHIAL_E_CONFLICT: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'Two sources for one secret are set, e.g. `PHIAL_SECRET_KEY` and `PHIAL_SECRET_KEY_FILE`.',
    fix: 'Keep one of them (prefer the `*_FILE` variant).',
  },
  PHIAL_E_ENV_AMBIGUOUS: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: '`NODE_ENV=production` is set but `PHIAL_ENV` is not; Phial never guesses production.',
    fix: 'Set `PHIAL_ENV=production` (or `PHIAL_ENV=development` to confirm), or pass `env` to the app.',
  },
  PHIAL_E_SECRET_MISSING: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'Production without a secret key.',
    fix: 'Set `PHIAL_SECRET_KEY_FILE` (preferred) or `PHIAL_SECRET_KEY`, e.g. from `openssl rand -hex 32`.',
  },
  PHIAL_E_SECRET_WEAK: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'In production, a secret key (or a fallback, or a field-encryption key) is shorter than 32 bytes, a placeholder, a published or development-only key, or low-entropy.',
    fix: 'Generate a random key with `openssl rand -hex 32`.',
  },
  PHIAL_E_SECRET_FILE: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'A `*_FILE` secret cannot be read (missing, not a file, over 64 KiB, not UTF-8, empty), or the development key cannot be kept in the instance folder.',
    fix: 'Check the path and permissions named in the message.',
  },
  PHIAL_E_DEBUG_IN_PRODUCTION: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'Debug mode is on in production.',
    fix: 'Unset `PHIAL_DEBUG` or the `debug` option in production.',
  },
  PHIAL_E_UNTRUSTED_BIND: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'Production binds a non-loopback address without `trustedHosts`, so any `Host` header would be served.',
    fix: 'Set `PHIAL_TRUSTED_HOSTS=app.example` (or the `trustedHosts` option), or bind 127.0.0.1 behind a proxy.',
  },
  PHIAL_E_SETTING_MISSING: {
    owner: 'src/config/', errorClass: 'ConfigError',
    meaning: 'An app setting declared in `settingsEnv.parse` has neither a value in `settings` nor its environment variable.',
    fix: 'Give it a value in the `settings` option or set the variable the message names.',
  },

  // --- application setup (src/app/, src/dispatch/) -----------------------------------------
  PHIAL_E_SETUP_FINISHED: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: 'A setup method (route, hook, error handler, blueprint, converter) was called after the app handled its first request (Flask\'s "setup method can no longer be called").',
    fix: 'Register everything before the app starts serving.',
  },
  PHIAL_E_BAD_EXTENSION: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: '`app.register()` was given something that is not an extension: no non-empty `name`, or no `initApp` function.',
    fix: 'Pass an object `{ name, initApp(app) { … } }`; the name is its key in `app.extensions`.',
  },
  PHIAL_E_BAD_HANDLER: {
    owner: 'src/dispatch/', errorClass: 'SetupError',
    meaning: '`errorHandler()` was given something other than an HTTP error status (400–599) or an error class, or a handler that is not a function.',
    fix: 'Register handlers by status (`404`), by Werkzeug class (`NotFound`) or by your own error class.',
  },
  PHIAL_E_UNKNOWN_OPTION: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: 'An option of a route, a blueprint, a blueprint registration, the session, CSRF or the security headers is not a known name (usually a typo, which would otherwise fall back to the default silently).',
    fix: 'Use the name the message suggests; route options that an extension reads are declared by its step (`routeOptions`).',
  },
  PHIAL_E_BAD_STEP: {
    owner: 'src/steps/', errorClass: 'SetupError',
    meaning: 'A request step added with `app.addStep()` has a bad or duplicate name, no owner, a position that is not a free integer from 201 to 899 (the built-in positions are reserved), or a `build` that returned no `{ run }`.',
    fix: 'Give the step a unique kebab-case name, its owner module, a free position between the steps it must follow and precede (see STEP_POSITIONS), and a build that returns `{ run, appliesTo? }` or undefined.',
  },
  PHIAL_E_BAD_NAME: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: 'An endpoint, blueprint or converter name is not an identifier (dots are reserved for blueprint prefixes).',
    fix: 'Use letters, digits, `_` and `-`, starting with a letter or `_`.',
  },
  PHIAL_E_BAD_PREFIX: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: 'A blueprint `urlPrefix` does not start with `/`.',
    fix: 'Write the prefix as `/api`.',
  },
  PHIAL_E_DUPLICATE: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: 'A converter of that name is already registered.',
    fix: 'Pick another name, or register it once.',
  },
  PHIAL_E_NO_ORIGIN: {
    owner: 'src/app/', errorClass: 'SetupError',
    meaning: 'An external URL was asked for, but no `origin` is configured; Phial never builds one from the `Host` header.',
    fix: 'Set `PHIAL_ORIGIN=https://app.example` or the `origin` option.',
  },
  PHIAL_E_NO_TEMPLATES: {
    owner: 'src/dispatch/', errorClass: 'SetupError',
    meaning: 'A template was rendered but the template folder does not exist.',
    fix: 'Create the folder, or set `rootPath` (e.g. `import.meta.dirname`) or `templateFolder`.',
  },
  PHIAL_E_BAD_SCHEMA: {
    owner: 'src/dispatch/', errorClass: 'SetupError',
    meaning: 'A route schema is not a Standard Schema validator, names an unknown input location, or sets both `body` and `form`.',
    fix: 'Pass zod 4, valibot 1, arktype 2 (or another Standard Schema) validators under params, query, body, form, headers or cookies.',
  },
  PHIAL_E_BAD_ACCEPTS: {
    owner: 'src/dispatch/', errorClass: 'SetupError',
    meaning: 'A route `accepts` entry is not a media type pattern.',
    fix: 'Write patterns like `application/json` or `image/*`.',
  },
  PHIAL_E_BAD_LIMIT: {
    owner: 'src/dispatch/', errorClass: 'SetupError',
    meaning: 'A route `bodyLimits` entry is unknown or not a non-negative integer.',
    fix: 'Use the limit names of `docs/security.md` with integer values.',
  },

  // --- HTTP values (src/http/, src/net/) ---------------------------------------------------
  PHIAL_E_HEADER_VALUE: {
    owner: 'src/http/', errorClass: 'HeaderValueError',
    meaning: 'A response header name is not a token, or its value holds CR, LF, NUL or another control character (response splitting).',
    fix: 'Validate or encode the value before setting it.',
  },
  PHIAL_E_COOKIE: {
    owner: 'src/http/', errorClass: 'CookieError',
    meaning: 'A cookie name, value or option is invalid, or breaks a `__Host-`/`__Secure-` prefix rule.',
    fix: 'Follow the rule the message names (RFC 6265bis).',
  },
  PHIAL_E_BAD_CIDR: {
    owner: 'src/net/', errorClass: 'CidrError',
    meaning: 'Text given as an IP address or CIDR range is not one (leading zeros, short forms, bad prefix length).',
    fix: 'Write canonical addresses and ranges such as `10.0.0.0/8` or `fc00::/7`.',
  },

  // --- server (src/server/) ----------------------------------------------------------------
  PHIAL_E_SERVER_LIMIT: {
    owner: 'src/server/', errorClass: 'ServerOptionError',
    meaning: 'A server limit handed to the server directly is not a non-negative integer, switches a guard off (0), or `headersTimeout` exceeds `requestTimeout`.',
    fix: 'Use the `server` option or `PHIAL_SERVER_*` variables, which are checked with the setting named; see `docs/security.md`.',
  },
  PHIAL_E_WORKERS: {
    owner: 'src/server/', errorClass: 'ServerOptionError',
    meaning: 'The worker count is not an integer from 1 to 64.',
    fix: 'Pass `--workers N` (or `workers`) within that range.',
  },

  // --- sessions (src/sessions/) ------------------------------------------------------------
  PHIAL_E_SESSION_TOO_LARGE: {
    owner: 'src/sessions/', errorClass: 'SessionError',
    meaning: 'A cookie session grew beyond what browsers keep (about 4 KB); the browser would drop it silently.',
    fix: 'Store less in the session, or use server-side sessions.',
  },
  PHIAL_E_SESSION_STORE_IN_PRODUCTION: {
    owner: 'src/sessions/', errorClass: 'SessionError',
    meaning: 'A process-memory session store in production: sessions would be lost on restart and differ per worker.',
    fix: 'Use the SQLite, Redis or PostgreSQL store.',
  },

  // --- templates (src/templates/) ----------------------------------------------------------
  PHIAL_E_TEMPLATE_NAME: {
    owner: 'src/templates/', errorClass: 'TemplateError',
    meaning: 'A template name is absolute, has `..`/`.`/empty segments, a backslash or NUL, or resolves outside every template root.',
    fix: 'Use root-relative names such as `notes/show.html`.',
  },
  PHIAL_E_TEMPLATE_NOT_FOUND: {
    owner: 'src/templates/', errorClass: 'TemplateError',
    meaning: 'No template root holds a file of that name.',
    fix: 'Check the name and the `templateFolder` setting.',
  },
  PHIAL_E_TEMPLATE_SYNTAX: {
    owner: 'src/templates/', errorClass: 'TemplateError',
    meaning: 'The template, or a layout or partial it pulls in, does not parse.',
    fix: 'Fix the tag at the line and column in the message.',
  },
  PHIAL_E_TEMPLATE_RENDER: {
    owner: 'src/templates/', errorClass: 'TemplateError',
    meaning: 'Rendering failed: a filter or `url_for` threw, or a file could not be read.',
    fix: 'See the `cause` of the error for the underlying failure.',
  },
  PHIAL_E_SANDBOX_SOURCE: {
    owner: 'src/templates/', errorClass: 'SandboxError',
    meaning: 'An untrusted template is larger than `maxSourceBytes`.',
    fix: 'Shorten the template, or raise the limit if the author is trusted with more.',
  },
  PHIAL_E_SANDBOX_SYNTAX: {
    owner: 'src/templates/', errorClass: 'SandboxError',
    meaning: 'An untrusted template does not parse, nests too deeply, or failed while rendering.',
    fix: 'Show the message to the template\'s author; it is written for them.',
  },
  PHIAL_E_SANDBOX_FORBIDDEN: {
    owner: 'src/templates/', errorClass: 'SandboxError',
    meaning: 'An untrusted template uses a tag that needs the file system (`include`, `render`, `layout`).',
    fix: 'Remove the tag; pass the data in the context instead.',
  },
  PHIAL_E_SANDBOX_OUTPUT: {
    owner: 'src/templates/', errorClass: 'SandboxError',
    meaning: 'An untrusted template produced more than `maxOutputBytes`, or built more than `memoryLimit` of data.',
    fix: 'Show the message to the author, or raise the limit.',
  },
  PHIAL_E_SANDBOX_TIMEOUT: {
    owner: 'src/templates/', errorClass: 'SandboxError',
    meaning: 'An untrusted template took longer than `timeoutMs` to render.',
    fix: 'Show the message to the author, or raise the limit.',
  },

  // --- database (src/db/) ------------------------------------------------------------------
  PHIAL_E_DB_URL: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'The database URL does not parse, names an unsupported scheme, parameter or `sslmode`, or a file it names cannot be read.',
    fix: 'Write `sqlite:///path/app.sqlite` or `postgres://user@host/db?sslmode=verify-full`; see `docs/database.md`.',
  },
  PHIAL_E_DB_OPTION: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'An option of `createDatabase()` (or `PHIAL_DB_ALLOW_UNENCRYPTED`) is out of range.',
    fix: 'Correct the option named in the message.',
  },
  PHIAL_E_DB_INSECURE: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'Production connects to a remote PostgreSQL host without TLS.',
    fix: 'Add `sslmode=verify-full` (and `sslrootcert` for a private CA), or set `PHIAL_DB_ALLOW_UNENCRYPTED=1` if the network is protected otherwise.',
  },
  PHIAL_E_DB_CONNECT: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'The database file cannot be opened, or the server cannot be reached at startup.',
    fix: 'Check the path, the server and the credentials; the message shows the URL without its password.',
  },
  PHIAL_E_DB_STATE: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'The database was used before `open()`/`initApp()` or after `close()`, opened twice, or queried outside the transaction that holds it.',
    fix: 'Await `db.initApp(app)` at startup; inside `db.transaction()`, query through its `trx`.',
  },
  PHIAL_E_DB_MIGRATION: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'The migrations folder or a migration module is malformed, or a migration is missing or out of order.',
    fix: 'Fix the file the message names; applied migrations are never renumbered.',
  },
  PHIAL_E_DB_MIGRATION_FAILED: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'A migration\'s `up()` or `down()` threw (and was rolled back), or the migration lock wait timed out.',
    fix: 'Fix the migration and run it again; the message carries the database\'s error.',
  },
  PHIAL_E_DB_BACKUP: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'The backup target is unusable, the copy failed its integrity check, or the database is PostgreSQL.',
    fix: 'Pick a new path (or `--force`); back up PostgreSQL with `pg_dump`.',
  },
  PHIAL_E_DB_ROLES: {
    owner: 'src/db/', errorClass: 'DatabaseError',
    meaning: 'Least-privilege role setup refused: a bad or reserved role name, equal owner and app roles, or not PostgreSQL.',
    fix: 'Pick new, distinct role names on a PostgreSQL database.',
  },
  PHIAL_E_DB_DECRYPT: {
    owner: 'src/db/', errorClass: 'DecryptionError',
    meaning: 'A stored value could not be decrypted (malformed, tampered with, other associated data, or a key id not in the keyring); which one is deliberately not said.',
    fix: 'Check that the keyring still holds the key the value was written with.',
  },

  // --- command line (src/cli/) -------------------------------------------------------------
  PHIAL_E_USAGE: {
    owner: 'src/cli/', errorClass: 'UsageError',
    meaning: 'A command-line mistake: unknown command or option, a bad option value, a missing app file or export.',
    fix: 'See `phial --help`; the message names the offending token. Exit status 2.',
  },
} as const satisfies Record<`PHIAL_E_${string}`, ErrorCodeInfo>;

/** Every stable error code. */
export type PhialErrorCode = keyof typeof ERROR_CODES;

/** True for a string that is a registered code (`phial check`, cross-copy checks in the CLI). */
export function isPhialErrorCode(code: unknown): code is PhialErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
