/**
 * A/B runs: another git ref of Phial, built into `.bench-tmp/ab/<commit>/`, measured in the same
 * interleaved run as the current build, so a change to the request path can be shown to cost the
 * fast path nothing (or what it costs) under identical conditions.
 *
 * The ref's files come from `git archive` (no worktree is registered); `node_modules` is a symlink
 * to this checkout's, and the ref is compiled with this checkout's `tsc -p tsconfig.build.json`.
 * Servers run the current `bench/servers/phial.ts`, which imports the other build through
 * `BENCH_PHIAL_PACKAGE` (bench/lib/phial-package.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this benchmark runs from. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AB_DIR = join(ROOT, '.bench-tmp', 'ab');
// Written last, so a half-built folder (an interrupted run) is rebuilt rather than used.
const BUILT_MARKER = '.phial-bench-built';

/** Another ref's build, ready to run. */
export interface RefBuild {
  /** The ref as given, e.g. `main` or `HEAD~1`. */
  readonly ref: string;
  /** Its commit, abbreviated. */
  readonly commit: string;
  /** Folder holding its `package.json` and `dist/`. */
  readonly folder: string;
}

function git(args: readonly string[]): string {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout.trim();
}

/**
 * What the current build is: `HEAD`'s abbreviated commit, with `+ uncommitted changes` when the
 * working tree's `src/` or `package.json` differ from it.
 */
export function describeWorkingTree(): string {
  const head = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--', 'src', 'package.json', 'tsconfig.build.json', 'tsconfig.json']) !== '';
  return dirty ? `${head} + uncommitted changes` : head;
}

/**
 * Builds `ref` into `.bench-tmp/ab/<commit>/` (reused when a previous run completed that build).
 *
 * @throws {Error} if the ref does not name a commit, or extracting or compiling it fails.
 */
export function buildRef(ref: string, log: (message: string) => void): RefBuild {
  const full = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  const commit = full.slice(0, 12);
  const folder = join(AB_DIR, commit);
  if (existsSync(join(folder, BUILT_MARKER))) {
    log(`bench: A/B: reusing the build of ${ref} (${commit}) in ${folder}`);
    return { ref, commit, folder };
  }
  log(`bench: A/B: building ${ref} (${commit}) into ${folder}`);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const tar = `${folder}.tar`;
  git(['archive', '--format=tar', '-o', tar, full, 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'src']);
  try {
    const untar = spawnSync('tar', ['-xf', tar, '-C', folder], { encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`tar -xf ${tar} failed: ${untar.stderr.trim()}`);
  } finally {
    rmSync(tar, { force: true });
  }
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(folder, 'node_modules'), 'dir');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: folder, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed for ${ref}:\n${(built.stdout + built.stderr).trim()}`);
  if (!existsSync(join(folder, 'dist', 'index.js'))) throw new Error(`building ${ref} produced no dist/index.js`);
  writeFileSync(join(folder, BUILT_MARKER), `${full}\n`);
  return { ref, commit, folder };
}
