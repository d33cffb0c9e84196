/**
 * The secrets half of the configuration loader: secret key selection and strength checks, and
 * the development secret kept in the instance folder. The generic value parsers and `*_FILE`
 * reading live in `src/util/` (the database layer uses them too) and are re-exported here.
 * `src/config/config.ts` re-exports what is public.
 *
 * @module
 */
import { chmodSync, linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { checkStringArray, envValue, parseList, shown, type EnvSource } from '../util/env.ts';
import { readSecretFile } from '../util/secret-file.ts';

export { ConfigError, type ConfigErrorCode } from '../errors/config-error.ts';
export {
  checkBoolean, checkEnum, checkInteger, checkStringArray, envValue, parseBoolean, parseInteger, parseList, shown, type EnvSource,
} from '../util/env.ts';
export { readSecretFile } from '../util/secret-file.ts';

/** Where the secret key came from, for `phial check` and startup logs (never the key itself). */
export type SecretKeySource = 'options' | 'env' | 'file' | 'instance';

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
