/**
 * App discovery for the CLI, after Flask's `find_best_app` (reference/flask.md §1.14): the module named
 * by `--app` / `PHIAL_APP` / `app.ts` / `app.js` is imported and its app found by name, by type, or by
 * calling a factory.
 *
 * @module
 */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RunningServer, ServableApp } from '../server/types.ts';
import { UsageError } from './args.ts';

/** One row of `phial routes` (source: `app.describeRoutes()`). */
export interface RouteInfo {
  rule: string;
  methods: string[];
  endpoint: string;
  /** Security opt-outs and other non-default options, name → short value. */
  options: Record<string, string>;
  /** The route's request steps in order (`host`, `csrf-origin[POST]`, `body`, …). */
  steps?: string[];
}

/** What the CLI can use on an app: `ServableApp` plus the optional parts of the `Phial` contract. */
export interface CliApp extends ServableApp {
  readonly config: ServableApp['config'] & { readonly host?: string; readonly port?: number; readonly name?: string };
  /** `Phial.listen()`: preferred over `serve()` because it runs the app's production checks. */
  listen?(opts: { host?: string; port?: number; workers?: number }): Promise<RunningServer | undefined>;
  describeRoutes?(): RouteInfo[];
}

const NAMED = ['app', 'application'] as const;
const FACTORIES = ['createApp', 'makeApp'] as const;
const DEFAULT_FILES = ['app.ts', 'app.js'] as const;
const TS_EXTENSIONS = /\.(?:[cm]?ts|tsx)$/;

/** Structural check for a servable app (works across duplicate copies of the `Phial` class). */
export function isServableApp(value: unknown): value is CliApp {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<Record<keyof ServableApp, unknown>>;
  const config = v.config as { server?: unknown } | undefined;
  return typeof v.handle === 'function' && typeof v.runShutdownHooks === 'function' &&
    typeof v.logger === 'object' && v.logger !== null &&
    typeof config === 'object' && config !== null && typeof config.server === 'object' && config.server !== null;
}

/** Where the app module is and which export to take (`file:name` / `file:name()`). */
export interface AppLocation {
  file: string;
  name?: string;
  call: boolean;
  /** `--app`, `PHIAL_APP` or `default` — for messages. */
  source: string;
}

/**
 * Resolves the app location: `--app`, else `PHIAL_APP`, else `app.ts` / `app.js` in `cwd`.
 * @throws UsageError if nothing is given and no default file exists, or if the file does not exist.
 */
export function locateApp(option: string | undefined, env: Record<string, string | undefined>, cwd: string): AppLocation {
  let spec = option;
  let source = '--app';
  if (spec === undefined && env.PHIAL_APP !== undefined && env.PHIAL_APP !== '') {
    spec = env.PHIAL_APP;
    source = 'PHIAL_APP';
  }
  if (spec === undefined) {
    const found = DEFAULT_FILES.find((f) => existsSync(resolve(cwd, f)));
    if (found === undefined) {
      throw new UsageError(`no app given: pass --app FILE or set PHIAL_APP (no ${DEFAULT_FILES.join(' or ')} in ${cwd})`);
    }
    return { file: resolve(cwd, found), call: false, source: 'default' };
  }
  // `file:name` or `file:name()`; a colon followed by anything else belongs to the path.
  const m = /^(.*):([A-Za-z_$][\w$]*)(\(\))?$/.exec(spec);
  const path = m?.[1] ?? spec;
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new UsageError(`app file not found: '${path}' (from ${source})`);
  }
  return { file, name: m?.[2], call: m?.[3] !== undefined, source };
}

/**
 * True for a stable Phial error code (`PHIAL_E_*`, see `docs/errors.md`): a configuration or
 * setup error, the operator's to fix. Checked on the code, not with `instanceof PhialError`, so
 * errors from a second copy of Phial the app module loaded (its own `node_modules`, `dist/`
 * beside `src/`) count too.
 */
export function hasPhialCode(code: unknown): code is string {
  return typeof code === 'string' && /^PHIAL_E_[A-Z0-9_]+$/.test(code);
}

/** A failure inside the app module itself (its code threw); printed with its stack. */
export class AppImportError extends Error {
  override readonly name = 'AppImportError';
}

/** True if the module is already loaded through a TypeScript-aware loader (source checkout, `--import tsx`). */
function typeScriptLoaderActive(): boolean {
  return import.meta.url.endsWith('.ts');
}

let tsxRegistered = false;

async function importModule(file: string): Promise<Record<string, unknown>> {
  if (TS_EXTENSIONS.test(file) && !typeScriptLoaderActive() && !tsxRegistered) {
    const { register } = await import('tsx/esm/api');
    register();
    tsxRegistered = true;
  }
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    // Configuration errors (PHIAL_E_*) are the operator's to fix: one line, exit 2, like bad flags.
    if (hasPhialCode((err as { code?: unknown }).code)) throw err;
    throw new AppImportError(`failed to import '${file}': ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

async function fromFactory(name: string, factory: unknown, file: string): Promise<CliApp> {
  if (typeof factory !== 'function') throw new UsageError(`'${name}' in '${file}' is not a function`);
  const made: unknown = await (factory as () => unknown)();
  if (!isServableApp(made)) throw new UsageError(`${name}() in '${file}' did not return an app`);
  return made;
}

/**
 * Imports the module at `loc` and returns its app, trying in order: the export `loc.name` (called if
 * `name()`), the exports `app` and `application`, the default export, the only app among all exports,
 * then a `createApp()` / `makeApp()` factory (awaited). `.ts` modules load through tsx when no
 * TypeScript loader is active yet.
 *
 * @throws UsageError if no app is found, the named export is not an app, or several apps are exported.
 * @throws AppImportError if importing the module threw; configuration errors (`code` `PHIAL_E_*`) are rethrown as is.
 */
export async function loadApp(loc: AppLocation): Promise<CliApp> {
  const mod = await importModule(loc.file);
  const shown = loc.file;
  if (loc.name !== undefined) {
    const value = mod[loc.name];
    if (value === undefined) throw new UsageError(`'${shown}' has no export '${loc.name}'`);
    if (loc.call) return fromFactory(loc.name, value, shown);
    if (!isServableApp(value)) throw new UsageError(`export '${loc.name}' of '${shown}' is not an app`);
    return value;
  }
  for (const name of [...NAMED, 'default']) {
    const value = mod[name];
    if (isServableApp(value)) return value;
  }
  const apps = Object.entries(mod).filter(([, v]) => isServableApp(v));
  if (apps.length > 1) {
    throw new UsageError(`'${shown}' exports several apps (${apps.map(([k]) => k).join(', ')}); pick one with --app FILE:NAME`);
  }
  const only = apps[0];
  if (only !== undefined) return only[1] as CliApp;
  for (const name of FACTORIES) {
    if (typeof mod[name] === 'function') return fromFactory(name, mod[name], shown);
  }
  throw new UsageError(
    `'${shown}' exports no app (looked for app, application, default, a single app export, createApp(), makeApp())`,
  );
}
