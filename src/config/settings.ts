/**
 * The settings table: every setting of a Phial app — option path, environment variables, parser,
 * default and one line of documentation — in one place. `loadConfig` reads it, the unknown-name
 * checks read it, `docs/configuration.md` is generated from it, and `phial check` can list it.
 *
 * A row's option value is checked first (a bad value in code is a bug even when a variable
 * overrides it), then the first of its variables that is set (empty counts as unset) replaces
 * it. Rows marked `custom` are resolved by dedicated code in `src/config/config.ts` (secrets,
 * paths, app settings); the table still names and documents them.
 *
 * @module
 */
import { DEFAULT_BODY_LIMITS, type BodyLimits } from '../http/body/index.ts';
import { compileTrustedProxies } from '../http/proxy.ts';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from '../server/limits.ts';
import { checkBoolean, checkEnum, checkInteger, checkStringArray, parseBoolean, parseInteger } from '../util/env.ts';
import { APP_ENVS } from '../util/phial-env.ts';
import {
  checkFolderOrFalse, checkHost, checkHosts, checkOrigin, checkSecurityHeaders, checkString, checkTrustedProxies, checkUrlPath,
  parseHosts, parseTrustedProxiesEnv,
} from './checks.ts';

/** The sections of `docs/configuration.md`, in order. */
export const SETTING_SECTIONS = {
  general: 'General',
  paths: 'Paths (code only)',
  network: 'Network, hosts and proxies',
  bodies: 'Request bodies',
  headers: 'Security headers',
  server: 'HTTP server (`server`)',
  app: "The app's own settings",
} as const;

/** One row of {@link SETTINGS}. */
export interface Setting {
  /** Option path: a key of the options, or `group.key` for `server.*` and `bodyLimits.*`. */
  readonly option: string;
  /** Variables that override the option, the first one set wins; empty for code-only settings. */
  readonly env: readonly string[];
  /** Checks an option value and returns the value the config holds. @throws ConfigError */
  readonly check: (setting: string, value: unknown) => unknown;
  /** Parses a variable's text; absent for code-only settings. @throws ConfigError */
  readonly parse?: (variable: string, raw: string) => unknown;
  /** The value when nothing sets it; `undefined` when derived (then `defaultDoc` says how). */
  readonly default: unknown;
  /** The default as documented (Markdown). */
  readonly defaultDoc: string;
  /** What the option and the variables accept (Markdown). */
  readonly accepts: string;
  /** One line of documentation (Markdown). */
  readonly doc: string;
  readonly section: keyof typeof SETTING_SECTIONS;
  /** Resolved by dedicated code of the loader; the generic option-then-variable rule does not apply. */
  readonly custom?: true;
}

/** A row with the option check, parser and default typed alike. */
function row<T>(s: Omit<Setting, 'check' | 'parse' | 'default' | 'env'> & {
  env?: readonly string[];
  check: (setting: string, value: unknown) => T;
  parse?: (variable: string, raw: string) => T;
  default: T | undefined;
}): Setting {
  return Object.freeze({ ...s, env: Object.freeze([...(s.env ?? [])]) });
}

const MAX_INT = Number.MAX_SAFE_INTEGER;
/** Node clamps larger timer delays to 1 ms: a "long" timeout would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
const integer = (min: number, max: number) => ({
  check: (s: string, v: unknown) => checkInteger(s, v, min, max),
  parse: (s: string, raw: string) => parseInteger(s, raw, min, max),
});
const oneOf = <T extends string>(allowed: readonly T[]) => ({
  check: (s: string, v: unknown) => checkEnum(s, v, allowed),
  parse: (s: string, raw: string) => checkEnum(s, raw, allowed),
});
const BOOLEAN = { check: checkBoolean, parse: parseBoolean };
const envName = (prefix: string, key: string): string => `${prefix}${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** pino's levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Where each server limit's default comes from is documented on DEFAULT_SERVER_LIMITS.
const SERVER_DOCS: Record<keyof ServerLimits, string> = {
  headersTimeout: 'ms to receive the request head (slowloris) → 408; at most `requestTimeout`.',
  requestTimeout: 'ms for the whole request, head and body (slow POST) → 408.',
  keepAliveTimeout: 'ms an idle keep-alive socket stays open; behind a proxy that reuses connections, set it above the proxy\'s idle timeout.',
  maxHeaderSize: 'bytes of request line and headers → 431 beyond.',
  maxRequestsPerSocket: 'requests served on one keep-alive connection before `Connection: close`.',
  maxConnections: 'concurrent sockets per process; further connections are dropped. Keep below `ulimit -n`.',
  shutdownTimeout: 'ms graceful shutdown waits for in-flight requests after SIGTERM before closing sockets.',
};

const BODY_DOCS: Record<Exclude<keyof BodyLimits, 'maxContentLength'>, [doc: string, env?: string]> = {
  maxFormMemorySize: ['Bytes of one non-file multipart field, and of a whole urlencoded body → 413 (Flask 3.1 `MAX_FORM_MEMORY_SIZE`).', 'PHIAL_MAX_FORM_MEMORY_SIZE'],
  maxFormParts: ['Multipart parts, fields and files together → 413 (Flask 3.1 `MAX_FORM_PARTS`).', 'PHIAL_MAX_FORM_PARTS'],
  maxFiles: ['Files in one multipart body → 413.', 'PHIAL_MAX_FILES'],
  maxFileSize: ['Bytes of one uploaded file → 413.', 'PHIAL_MAX_FILE_SIZE'],
  maxPartHeaderPairs: ['Header lines of one multipart part → 413.'],
  maxPartHeaderSize: ['Header bytes of one multipart part → 413 (busboy refuses more than 16 KiB itself).'],
  maxFieldNameSize: ['Bytes of a field name → 400.'],
  maxDepth: ['Bracket groups in a field name (`a[b][c]` has 2) → 400, never flattened.'],
  maxParams: ['Parameters in a urlencoded body or query string → 413 (qs `parameterLimit`).'],
  maxArrayIndex: ['Largest numeric index in a field name (`a[100]`) → 400.'],
};

const bytes = (n: number): string => `\`${n}\``;

/** Every setting, in documentation order. Frozen. */
export const SETTINGS: readonly Setting[] = Object.freeze([
  row({
    section: 'general', option: 'env', env: ['PHIAL_ENV'], ...oneOf(APP_ENVS), default: 'development',
    defaultDoc: '`development`', accepts: '`development` or `production`',
    doc: 'The environment. Production is never inferred: `NODE_ENV=production` without `PHIAL_ENV` is refused (`PHIAL_E_ENV_AMBIGUOUS`).',
  }),
  row({
    section: 'general', option: 'debug', env: ['PHIAL_DEBUG'], ...BOOLEAN, default: false,
    defaultDoc: '`false`', accepts: '`true`/`false`; variable `1`, `true`, `0`, `false` (any case)',
    doc: 'Tracebacks in error pages for loopback clients. Refused in production.',
  }),
  row({
    section: 'general', option: 'secretKey', env: ['PHIAL_SECRET_KEY_FILE', 'PHIAL_SECRET_KEY'], check: checkString, default: undefined, custom: true,
    defaultDoc: 'development: generated into `<instancePath>/secret_key`; production: required',
    accepts: 'a string of at least 32 random bytes; `_FILE`: a path to a file holding it',
    doc: 'Signs and encrypts sessions and CSRF tokens. Prefer `PHIAL_SECRET_KEY_FILE`; setting both variables is refused; keys in code leak through version control.',
  }),
  row({
    section: 'general', option: 'secretKeyFallbacks', env: ['PHIAL_SECRET_KEY_FALLBACKS_FILE', 'PHIAL_SECRET_KEY_FALLBACKS'],
    check: checkStringArray, default: [], custom: true,
    defaultDoc: 'none', accepts: 'an array of strings; variable: comma list; `_FILE`: one key per line',
    doc: 'Old keys still accepted for verification during key rotation (Flask 3.1 `SECRET_KEY_FALLBACKS`).',
  }),
  row({
    section: 'general', option: 'name', check: checkString, default: 'app',
    defaultDoc: '`app`', accepts: 'a non-empty string', doc: 'The app name, for logs and listings.',
  }),
  row({
    section: 'general', option: 'logLevel', env: ['PHIAL_LOG_LEVEL'], ...oneOf(LOG_LEVELS), default: 'info',
    defaultDoc: '`info`', accepts: LOG_LEVELS.map((l) => `\`${l}\``).join(', '), doc: 'Level of the default JSON logger (pino).',
  }),

  row({
    section: 'paths', option: 'rootPath', check: checkString, default: undefined, custom: true,
    defaultDoc: '`process.cwd()`', accepts: 'a path', doc: 'Folder of the app module (`import.meta.dirname`); the folders below are relative to it.',
  }),
  row({
    section: 'paths', option: 'instancePath', check: checkString, default: 'instance', custom: true,
    defaultDoc: '`<rootPath>/instance`', accepts: 'a path', doc: 'Holds the development secret key (mode 0700, git-ignored) and other instance data.',
  }),
  row({
    section: 'paths', option: 'templateFolder', check: checkString, default: 'templates',
    defaultDoc: '`templates`', accepts: 'a path', doc: 'Template folder, relative to `rootPath` unless absolute.',
  }),
  row({
    section: 'paths', option: 'staticFolder', check: checkFolderOrFalse, default: 'static',
    defaultDoc: '`static`', accepts: 'a path, or `false` for none', doc: 'Static files folder, relative to `rootPath` unless absolute.',
  }),
  row({
    section: 'paths', option: 'staticUrlPath', check: checkUrlPath, default: '/static',
    defaultDoc: '`/static`', accepts: 'a URL path without trailing slash or dot segments', doc: 'URL prefix of the static files.',
  }),

  row({
    section: 'network', option: 'host', env: ['PHIAL_HOST', 'HOST'], check: checkHost, parse: checkHost, default: '127.0.0.1',
    defaultDoc: '`127.0.0.1`', accepts: 'an IP address (brackets allowed) or host name',
    doc: 'Bind address. Loopback by default, so nothing is exposed by accident; `HOST` is read for PaaS platforms.',
  }),
  row({
    section: 'network', option: 'port', env: ['PHIAL_PORT', 'PORT'], ...integer(0, 65535), default: 5000,
    defaultDoc: '`5000`', accepts: 'an integer from 0 to 65535 (0: a free port)', doc: 'TCP port (Flask\'s default); `PORT` is read for PaaS platforms.',
  }),
  row({
    section: 'network', option: 'origin', env: ['PHIAL_ORIGIN'], check: checkOrigin, parse: checkOrigin, default: null,
    defaultDoc: 'none', accepts: '`https://host[:port]` (or `http://` for development), no path, query or credentials',
    doc: 'The canonical external origin, for external URLs; Phial never builds them from the `Host` header.',
  }),
  row({
    section: 'network', option: 'trustedHosts', env: ['PHIAL_TRUSTED_HOSTS'], check: checkHosts, parse: parseHosts, default: [] as string[],
    defaultDoc: 'none (any host)', accepts: 'host names, `.domain` (and subdomains), `*.domain`, `*`; variable: comma list',
    doc: 'Host names accepted in the `Host` header (400 otherwise, before routing); required in production on a non-loopback bind.',
  }),
  row({
    section: 'network', option: 'trustedProxies', env: ['PHIAL_TRUSTED_PROXIES'], check: checkTrustedProxies, parse: parseTrustedProxiesEnv,
    default: compileTrustedProxies(undefined),
    defaultDoc: 'none', accepts: 'a hop count, or addresses, CIDR ranges and `loopback`/`private`, optionally `header=forwarded` (variable: comma list)',
    doc: 'Reverse proxies whose `X-Forwarded-*` (or `Forwarded`) headers are believed; see `src/http/proxy.ts`.',
  }),

  row({
    section: 'bodies', option: 'maxContentLength', env: ['PHIAL_MAX_CONTENT_LENGTH'], ...integer(0, MAX_INT), default: DEFAULT_BODY_LIMITS.maxContentLength,
    defaultDoc: bytes(DEFAULT_BODY_LIMITS.maxContentLength), accepts: 'bytes, a non-negative integer',
    doc: 'Largest accepted request body → 413 (Flask `MAX_CONTENT_LENGTH`; nginx\'s `client_max_body_size` is 1 MiB too).',
  }),
  ...(Object.entries(BODY_DOCS) as Array<[keyof typeof BODY_DOCS, [string, string?]]>).map(([key, [doc, variable]]) => row({
    section: 'bodies', option: `bodyLimits.${key}`, env: variable === undefined ? [] : [variable], ...integer(0, MAX_INT),
    default: key === 'maxFileSize' ? undefined : DEFAULT_BODY_LIMITS[key],
    defaultDoc: key === 'maxFileSize' ? '`maxContentLength`' : bytes(DEFAULT_BODY_LIMITS[key]), accepts: 'a non-negative integer', doc,
  })),

  row({
    section: 'headers', option: 'securityHeaders', check: checkSecurityHeaders, default: Object.freeze({}),
    defaultDoc: 'all on', accepts: 'an object (see `docs/security.md`)',
    doc: 'The security header block: CSP, HSTS, frame, referrer, permissions and cross-origin policies; validated at startup.',
  }),

  ...(Object.keys(DEFAULT_SERVER_LIMITS) as Array<keyof ServerLimits>).map((key) => row({
    section: 'server', option: `server.${key}`, env: [envName('PHIAL_SERVER_', key)], ...integer(1, key.endsWith('Timeout') ? MAX_TIMER_MS : MAX_INT),
    default: DEFAULT_SERVER_LIMITS[key], defaultDoc: `\`${DEFAULT_SERVER_LIMITS[key]}\``,
    accepts: key.endsWith('Timeout') ? `an integer from 1 to ${MAX_TIMER_MS}` : 'a positive integer', doc: SERVER_DOCS[key],
  })),

  row({
    section: 'app', option: 'settings', check: (_s, v) => v, default: undefined, custom: true,
    defaultDoc: 'none', accepts: 'an object of the app\'s settings, typed by `AppSettings`',
    doc: 'The app\'s own settings (Flask\'s `app.config[\'UPLOAD_FOLDER\']`), read as `app.settings`.',
  }),
  row({
    section: 'app', option: 'settingsEnv', check: (_s, v) => v, default: undefined, custom: true,
    defaultDoc: 'none', accepts: '`{ prefix, parse }`',
    doc: 'Which app settings the environment may set, and how each variable is parsed (Flask\'s `from_prefixed_env`).',
  }),
]);

/** Constructor options of `Phial` that are not configuration values (validated where they are used). */
export const APP_OPTIONS: ReadonlyArray<readonly [option: string, doc: string]> = Object.freeze([
  ['logger', 'A pino logger instead of the default JSON logger on stdout.'],
  ['session', 'Session back-end and timeouts; default encrypted cookies (`docs/sessions.md`).'],
  ['csrf', 'CSRF settings; protection is always on for unsafe methods (`docs/security.md`).'],
] as const);

/**
 * `PHIAL_*` variables that other parts of Phial (or its own tooling) read, outside `loadConfig`.
 * They are known names: the unknown-variable check lets them through.
 */
export const OTHER_VARIABLES: ReadonlyArray<readonly [variable: string, readBy: string, doc: string]> = Object.freeze([
  ['PHIAL_APP', '`phial` CLI', 'The app module for `phial run`, `phial routes` and `phial db` (`FILE[:NAME]`), when `--app` is not given.'],
  ['PHIAL_DB_ALLOW_UNENCRYPTED', '`phial/db`', '`1` allows a production connection to a remote PostgreSQL host without TLS (for networks protected otherwise).'],
  ['PHIAL_TEST_PG', 'the test suite', 'Set by `npm test` when PostgreSQL answers on 127.0.0.1:5432.'],
  ['PHIAL_TEST_REDIS', 'the test suite', 'Set by `npm test` when Redis answers on 127.0.0.1:6379.'],
] as const);

/** The row of an option path, if any. */
export function settingFor(option: string): Setting | undefined {
  return SETTINGS.find((s) => s.option === option);
}

/** Every variable a setting reads or {@link OTHER_VARIABLES} lists. */
export const KNOWN_VARIABLES: ReadonlySet<string> = new Set([...SETTINGS.flatMap((s) => s.env), ...OTHER_VARIABLES.map(([v]) => v)]);
