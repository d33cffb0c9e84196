/**
 * The parsing and secrets half of the configuration loader: `ConfigError`, strict value
 * parsers for `PHIAL_*` environment variables and constructor options, secret key selection
 * and strength checks, `*_FILE` reading and the development secret kept in the instance
 * folder. `src/config/config.ts` re-exports what is public.
 *
 * @module
 */
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** Stable codes carried by {@link ConfigError}; tests and `phial check` match on them. */
export type ConfigErrorCode =
  | 'PHIAL_E_SECRET_MISSING' // production without a secret key
  | 'PHIAL_E_SECRET_WEAK' // shorter than 32 bytes, a known placeholder or a dev-only key
  | 'PHIAL_E_SECRET_FILE' // a *_FILE secret or the instance secret cannot be read or written
  | 'PHIAL_E_DEBUG_IN_PRODUCTION'
  | 'PHIAL_E_UNTRUSTED_BIND' // production bind to a non-loopback address without trustedHosts
  | 'PHIAL_E_BAD_VALUE' // a setting that does not parse or is out of range
  | 'PHIAL_E_CONFLICT' // two sources for one secret, e.g. PHIAL_SECRET_KEY and PHIAL_SECRET_KEY_FILE
  | 'PHIAL_E_ENV_AMBIGUOUS'; // NODE_ENV=production but no PHIAL_ENV / env option

/**
 * A configuration problem found at startup. The message names the setting (an environment
 * variable such as `PHIAL_PORT`, or an option path such as `server.requestTimeout`) and the
 * bad value, except for secrets, whose values are never echoed.
 *
 * @example
 * try { loadConfig({}) } catch (e) { if (e instanceof ConfigError && e.code === 'PHIAL_E_SECRET_MISSING') … }
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Stable code, `PHIAL_E_*`. */
  readonly code: ConfigErrorCode;
  /** The environment variable or option path at fault, e.g. `'PHIAL_PORT'`, `'server.headersTimeout'`. */
  readonly setting: string;

  constructor(code: ConfigErrorCode, setting: string, detail: string, options?: ErrorOptions) {
    super(`${setting}: ${detail} [${code}]`, options);
    this.code = code;
    this.setting = setting;
  }
}

/** Where the secret key came from, for `phial check` and startup logs (never the key itself). */
export type SecretKeySource = 'options' | 'env' | 'file' | 'instance';

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

// A secret file is a few dozen bytes; a cap stops `PHIAL_SECRET_KEY_FILE=/dev/zero`-style mistakes.
const MAX_SECRET_FILE_BYTES = 64 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads a secret from a file (Kubernetes secret volume, Docker secret): trailing CR/LF are
 * trimmed, nothing else. The content must be UTF-8 text: decoding random binary bytes would
 * silently turn most of them into U+FFFD and gut the key's entropy.
 *
 * @param variable the variable that named the file, for messages (e.g. `PHIAL_SECRET_KEY_FILE`)
 * @param path absolute, or relative to the working directory
 * @throws ConfigError PHIAL_E_SECRET_FILE naming the variable and path (never the content)
 *   when the file is missing, unreadable, not a regular file, over 64 KiB, not UTF-8 or empty
 */
export function readSecretFile(variable: string, path: string): string {
  const fail = (why: string, cause?: unknown): ConfigError =>
    new ConfigError('PHIAL_E_SECRET_FILE', variable, `cannot use ${shown(path)}: ${why}`, cause === undefined ? undefined : { cause });
  let bytes: Buffer;
  try {
    const st = statSync(path); // follows the ..data symlinks Kubernetes mounts use
    if (!st.isFile()) throw fail('not a regular file');
    if (st.size > MAX_SECRET_FILE_BYTES) throw fail(`larger than ${MAX_SECRET_FILE_BYTES} bytes`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `unreadable (${code ?? 'error'})`, err);
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw fail('not UTF-8 text; store the key as text, e.g. hex or base64');
  }
  text = text.replace(/[\r\n]+$/, '');
  if (text.length === 0) throw fail('empty');
  return text;
}

/**
 * The development secret: 32 random bytes (64 hex characters) kept in
 * `<instancePath>/secret_key` (mode 0600), created on first use and reused afterwards, so
 * sessions survive restarts. A newly created instance folder gets mode 0700 and a `.gitignore`
 * holding `*`, so the key is never committed. Creation is atomic (write a temp file, then
 * `link` it into place), so concurrent starts agree on one key. Never used in production.
 *
 * @throws ConfigError PHIAL_E_SECRET_FILE when the folder or file cannot be created or read
 */
export function loadDevSecretKey(instancePath: string): string {
  const file = join(instancePath, 'secret_key');
  const fail = (why: string, cause: unknown): ConfigError =>
    new ConfigError('PHIAL_E_SECRET_FILE', 'instancePath', `cannot keep the development secret key in ${shown(file)}: ${why}`, { cause });
  try {
    const created = mkdirSync(instancePath, { recursive: true, mode: 0o700 });
    if (created !== undefined) writeFileSync(join(instancePath, '.gitignore'), '*\n', { flag: 'wx' });
    if (!exists(file)) {
      const tmp = join(instancePath, `.secret_key.${process.pid}.${randomBytes(6).toString('hex')}`);
      writeFileSync(tmp, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
      try {
        linkSync(tmp, file); // fails with EEXIST when another process won the race: use theirs
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') createOnce(file, readFileSync(tmp)); // no hard links here
      } finally {
        unlinkSync(tmp);
      }
    }
    // An older or hand-made file may be readable by others; the key is ours to protect.
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(code ?? String(err), err);
  }
  return readSecretFile('instancePath', file);
}

/** Exclusive create; losing the race to another process is fine, its key is used. */
function createOnce(path: string, data: Buffer): void {
  try {
    writeFileSync(path, data, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

const MIN_SECRET_BYTES = 32;

// Secrets seen in tutorials, docs and .env.example files. Compared after lower-casing and
// dropping everything but letters and digits, so "Change-Me" and "change_me" match too.
const PLACEHOLDER_WORDS = [
  'a', 'an', 'and', 'app', 'at', 'be', 'cat', 'change', 'changeit', 'changeme', 'char',
  'characters', 'chars', 'config', 'cookie', 'default', 'demo', 'dev', 'development', 'do', 'dont',
  'env', 'example', 'fixme', 'flask', 'for', 'generate', 'here', 'in', 'insecure', 'is', 'it',
  'jwt', 'key', 'keyboard', 'least', 'local', 'long', 'me', 'must', 'my', 'new', 'not', 'of',
  'only', 'or', 'our', 'password', 'phial', 'please', 'prod', 'production', 'put', 'random',
  'real', 'replace', 'sample', 'secret', 'session', 'set', 'should', 'signing', 'some', 'staging',
  'string', 'strong', 'super', 'test', 'testing', 'the', 'this', 'to', 'todo', 'token', 'use',
  'value', 'very', 'with', 'xxx', 'you', 'your', 'now', 'later', 'asap', 'yet', 'admin', 'pass',
  'qwerty', 'asdf', 'letmein', 'temp', 'tmp', 'foo', 'bar', 'baz', 'hello', 'world',
];
// Alphabet order for spotting runs like "0123456789abcdef" or "abcdefgh…".
const SEQUENCE = '0123456789abcdefghijklmnopqrstuvwxyz';
const PLACEHOLDER_SET = new Set(PLACEHOLDER_WORDS);
// Keys published verbatim in documentation: the Flask tutorial's `secrets.token_hex()` output.
const PUBLISHED_KEYS = new Set(['192b9bdd22ab9ed4d12e236c78afcb9a393ec15f71bbf5dc987d54727823bcbf']);
// Prefixes that mark a key as development-only. Example apps use `phial-insecure-…`.
const INSECURE_PREFIXES = ['phial-insecure-', 'django-insecure-'];

/**
 * Why a secret key is unfit for production, or `null` when it passes. Checks: at least 32
 * bytes (UTF-8); not marked development-only (`phial-insecure-…`, `django-insecure-…`); not a
 * key published in docs; not made only of placeholder words ("change-me", "your-secret-key",
 * "please-change-this-secret-key-in-production"); not one short unit repeated; at least 8
 * distinct characters. Random keys (`openssl rand -hex 32`) always pass. The reason never
 * contains the key.
 *
 * @example checkSecretKey('changeme') // → 'is 8 bytes; at least 32 are required'
 */
export function checkSecretKey(key: string): string | null {
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes < MIN_SECRET_BYTES) return `is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required`;
  const lower = key.toLowerCase();
  if (INSECURE_PREFIXES.some((p) => lower.startsWith(p))) return 'is marked development-only (insecure- prefix)';
  if (PUBLISHED_KEYS.has(lower)) return 'was published in documentation';
  const norm = lower.replace(/[^a-z0-9]/g, '');
  if (norm.length === 0 || (/[a-z]/.test(norm) && isPlaceholderPhrase(norm))) return 'is a placeholder, not a random key';
  if ((norm + norm).indexOf(norm, 1) < norm.length) return 'is one short pattern repeated';
  if (sequentialShare(norm) >= 0.5) return 'is mostly an alphabet or digit sequence, not a random key';
  if (new Set(key).size < 8) return 'uses fewer than 8 distinct characters';
  return null;
}

/**
 * Share of characters of `s` that sit in ascending runs of 4 or more in {@link SEQUENCE}
 * ("0123", "abcdef"). A random hex or base64 key scores near 0; "abcdefgh…012345" near 1.
 */
function sequentialShare(s: string): number {
  if (s.length === 0) return 0;
  let inRuns = 0;
  let run = 1;
  for (let i = 1; i <= s.length; i++) {
    const step = i < s.length && SEQUENCE.indexOf(s[i]!) === SEQUENCE.indexOf(s[i - 1]!) + 1 && SEQUENCE.indexOf(s[i]!) > 0;
    if (step) { run++; continue; }
    if (run >= 4) inRuns += run;
    run = 1;
  }
  return inRuns / s.length;
}

/** True when `s` splits entirely into placeholder words and short numbers (word-break DP; keys are short). */
function isPlaceholderPhrase(s: string): boolean {
  const ok: boolean[] = [true];
  for (let end = 1; end <= s.length; end++) {
    ok[end] = false;
    for (let start = Math.max(0, end - 12); start < end && !ok[end]; start++) {
      const word = s.slice(start, end);
      // Short digit runs count as filler too: "secret-key-2024", "change-me-to-32-chars".
      ok[end] = ok[start] === true && (PLACEHOLDER_SET.has(word) || /^[0-9]{1,4}$/.test(word));
    }
  }
  return ok[s.length] === true;
}

/** The secret key and fallbacks with where they came from (variable or option name, for messages). */
export interface ResolvedSecrets {
  secretKey: string;
  source: SecretKeySource;
  setting: string;
  fallbacks: string[];
  fallbackSetting: string;
}

/**
 * Picks the secret key: `PHIAL_SECRET_KEY_FILE` or `PHIAL_SECRET_KEY` (never both) over the
 * `secretKey` option; in development without any, the instance key. Same for the fallbacks.
 * @throws ConfigError PHIAL_E_CONFLICT, PHIAL_E_SECRET_FILE, PHIAL_E_BAD_VALUE, and
 *   PHIAL_E_SECRET_MISSING in production
 */
export function resolveSecrets(
  env: EnvSource, options: { secretKey?: unknown; secretKeyFallbacks?: unknown }, production: boolean, instancePath: string,
): ResolvedSecrets {
  const key = envValue(env, 'PHIAL_SECRET_KEY');
  const keyFile = envValue(env, 'PHIAL_SECRET_KEY_FILE');
  if (key !== undefined && keyFile !== undefined) {
    throw new ConfigError('PHIAL_E_CONFLICT', 'PHIAL_SECRET_KEY_FILE', 'both PHIAL_SECRET_KEY and PHIAL_SECRET_KEY_FILE are set; keep one');
  }
  if (options.secretKey !== undefined && typeof options.secretKey !== 'string') {
    throw new ConfigError('PHIAL_E_BAD_VALUE', 'secretKey', `expected a string, got ${typeof options.secretKey}`);
  }
  let secretKey: string;
  let source: SecretKeySource;
  let setting: string;
  if (keyFile !== undefined) [secretKey, source, setting] = [readSecretFile('PHIAL_SECRET_KEY_FILE', keyFile), 'file', 'PHIAL_SECRET_KEY_FILE'];
  else if (key !== undefined) [secretKey, source, setting] = [key, 'env', 'PHIAL_SECRET_KEY'];
  else if (typeof options.secretKey === 'string' && options.secretKey !== '') [secretKey, source, setting] = [options.secretKey, 'options', 'secretKey'];
  else if (production) {
    throw new ConfigError('PHIAL_E_SECRET_MISSING', 'PHIAL_SECRET_KEY',
      'production needs a secret key: set PHIAL_SECRET_KEY_FILE (preferred) or PHIAL_SECRET_KEY, e.g. from `openssl rand -hex 32`');
  } else [secretKey, source, setting] = [loadDevSecretKey(instancePath), 'instance', 'instancePath'];

  const list = envValue(env, 'PHIAL_SECRET_KEY_FALLBACKS');
  const listFile = envValue(env, 'PHIAL_SECRET_KEY_FALLBACKS_FILE');
  if (list !== undefined && listFile !== undefined) {
    throw new ConfigError('PHIAL_E_CONFLICT', 'PHIAL_SECRET_KEY_FALLBACKS_FILE', 'both PHIAL_SECRET_KEY_FALLBACKS and PHIAL_SECRET_KEY_FALLBACKS_FILE are set; keep one');
  }
  let fallbacks: string[];
  let fallbackSetting: string;
  if (listFile !== undefined) {
    // One key per line: keys may contain commas, lines are unambiguous.
    fallbacks = readSecretFile('PHIAL_SECRET_KEY_FALLBACKS_FILE', listFile).split(/\r?\n/).filter((l) => l.length > 0);
    fallbackSetting = 'PHIAL_SECRET_KEY_FALLBACKS_FILE';
  } else if (list !== undefined) [fallbacks, fallbackSetting] = [parseList(list), 'PHIAL_SECRET_KEY_FALLBACKS'];
  else [fallbacks, fallbackSetting] = [options.secretKeyFallbacks === undefined ? [] : checkStringArray('secretKeyFallbacks', options.secretKeyFallbacks), 'secretKeyFallbacks'];
  return { secretKey, source, setting, fallbacks, fallbackSetting };
}

/**
 * Production strength check of the key and every fallback (an old key still verifies signatures).
 * @throws ConfigError PHIAL_E_SECRET_WEAK naming the setting, never the key
 */
export function assertStrongSecrets(key: string, keySetting: string, fallbacks: readonly string[], fallbackSetting: string): void {
  const weak = checkSecretKey(key);
  if (weak !== null) throw new ConfigError('PHIAL_E_SECRET_WEAK', keySetting, `the secret key ${weak} (generate one with \`openssl rand -hex 32\`)`);
  fallbacks.forEach((f, i) => {
    const why = checkSecretKey(f);
    if (why !== null) throw new ConfigError('PHIAL_E_SECRET_WEAK', `${fallbackSetting}[${i}]`, `fallback key ${i} ${why}`);
  });
}
