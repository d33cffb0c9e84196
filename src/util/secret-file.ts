/**
 * Reading a secret from a file (`PHIAL_SECRET_KEY_FILE`, `DATABASE_URL_FILE`, …): the
 * Kubernetes and Docker way of handing secrets to a process without putting them in the
 * environment.
 *
 * @module
 */
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '../errors/config-error.ts';
import { shown } from './env.ts';

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

