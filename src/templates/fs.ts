// The only file access of the template engine: a LiquidJS `fs` that maps template *names* to
// files under the configured roots.
//
// Why a custom fs rather than LiquidJS's `root` option: LiquidJS passes the resolved absolute
// path around as the template's identity, and it ends up in every error message. Here the
// identity LiquidJS sees is the root-relative name itself (`resolve()` returns it unchanged), so
// messages can never carry a file system path, and every lookup, including those of `include`,
// `render` and `layout` inside templates, goes through one validation and containment check.
import { readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { FS } from 'liquidjs';

/** A name was refused: unsafe syntax, or it resolves (through a symlink) outside every root. */
export class TemplateNameError extends Error {
  override readonly name = 'TemplateNameError';
  constructor(readonly templateName: string, reason: string) {
    super(`template name ${JSON.stringify(templateName)} refused: ${reason}`);
  }
}

/** No root holds a regular file of that name. */
export class TemplateNotFoundError extends Error {
  override readonly name = 'TemplateNotFoundError';
  constructor(readonly templateName: string) {
    super(`template ${JSON.stringify(templateName)} not found in the template roots`);
  }
}

/** The file exists but could not be read; carries only the errno code, never the path. */
export class TemplateReadError extends Error {
  override readonly name = 'TemplateReadError';
  constructor(readonly templateName: string, code: string) {
    super(`template ${JSON.stringify(templateName)} could not be read (${code})`);
  }
}

const MAX_NAME_LENGTH = 1024;

/**
 * Throws {@link TemplateNameError} unless `name` is a relative, `/`-separated path without
 * empty, `.` or `..` segments, backslashes, NUL or a drive prefix. Names are not normalized:
 * `a/./b` is refused rather than quietly rewritten, so one file has one name.
 */
export function assertSafeTemplateName(name: unknown): asserts name is string {
  const shown = typeof name === 'string' ? name : String(name);
  const refuse = (reason: string): never => {
    throw new TemplateNameError(shown, reason);
  };
  if (typeof name !== 'string' || name.length === 0) refuse('it must be a non-empty string');
  const text = name as string;
  if (text.length > MAX_NAME_LENGTH) refuse(`it is longer than ${MAX_NAME_LENGTH} characters`);
  if (text.includes('\0')) refuse('it contains a NUL character');
  if (text.includes('\\')) refuse('it contains a backslash; use "/"');
  if (text.startsWith('/') || isAbsolute(text) || /^[A-Za-z]:/.test(text)) refuse('it is absolute');
  for (const segment of text.split('/')) {
    if (segment === '..') refuse('it contains ".."');
    if (segment === '.' || segment === '') refuse('it contains an empty or "." segment');
  }
}

/**
 * LiquidJS file system over template roots searched in order. Asynchronous only: Phial never
 * renders synchronously, and the sync methods throw rather than block the event loop.
 */
export class RootedTemplateFS implements FS {
  readonly sep = '/';
  readonly #roots: readonly string[];

  /** @param roots Template folders; relative ones are resolved against the current directory now. */
  constructor(roots: readonly string[]) {
    this.#roots = roots.map((root) => resolve(root));
  }

  /** The name is the identity LiquidJS carries around; see the module comment. */
  resolve(_dir: string, file: string): string {
    return file;
  }

  /**
   * Throws {@link TemplateNotFoundError} instead of answering `false`: LiquidJS's own "not found"
   * message lists its (here meaningless) search folders, ours names the template.
   */
  async exists(name: string): Promise<boolean> {
    await this.locate(name);
    return true;
  }

  async readFile(name: string): Promise<string> {
    const file = await this.locate(name);
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new TemplateReadError(name, errnoCode(err));
    }
  }

  existsSync(): boolean {
    throw new Error('Phial templates render asynchronously only');
  }

  readFileSync(): string {
    throw new Error('Phial templates render asynchronously only');
  }

  /**
   * The real path of `name` in the first root that has it as a regular file. A candidate whose
   * real path (symlinks followed) lies outside every root is refused outright rather than
   * skipped: a symlink pointing out of the template tree is a misconfiguration or an attack,
   * and falling through to another root would hide it.
   */
  async locate(name: string): Promise<string> {
    assertSafeTemplateName(name);
    const realRoots = await this.#realRoots();
    for (const root of this.#roots) {
      let real: string;
      try {
        real = await realpath(join(root, name));
      } catch {
        continue; // missing here (ENOENT, ENOTDIR, ELOOP…): try the next root
      }
      if (!realRoots.some((prefix) => real.startsWith(prefix))) {
        throw new TemplateNameError(name, 'it resolves outside the template roots');
      }
      try {
        if ((await stat(real)).isFile()) return real;
      } catch {
        // vanished between realpath and stat: treat as missing
      }
    }
    throw new TemplateNotFoundError(name);
  }

  /** Real paths of the roots that exist, each ending in the separator (so `/a/b` ≠ `/a/bc`). */
  async #realRoots(): Promise<string[]> {
    const out: string[] = [];
    for (const root of this.#roots) {
      try {
        const real = await realpath(root);
        out.push(real.endsWith(sep) ? real : real + sep);
      } catch {
        // a root that does not exist holds nothing
      }
    }
    return out;
  }
}

function errnoCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}
