/**
 * Which Phial a benchmark server runs: the package itself (`phial`, the build in dist/), or, in an
 * A/B run, another git ref's build whose folder `bench/lib/ab.ts` puts in {@link PHIAL_PACKAGE_ENV}.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as PhialModule from 'phial';

/** Environment variable naming the folder of another Phial build (it holds `dist/index.js`); not `PHIAL_*`, which Phial checks. */
export const PHIAL_PACKAGE_ENV = 'BENCH_PHIAL_PACKAGE';

/**
 * Imports Phial: `phial` itself, or the build in the folder named by {@link PHIAL_PACKAGE_ENV}.
 * The other build is typed as the current one; a ref whose API differs fails at startup.
 */
export async function loadPhial(): Promise<typeof PhialModule> {
  const folder = process.env[PHIAL_PACKAGE_ENV];
  if (folder === undefined || folder === '') return import('phial');
  return (await import(pathToFileURL(join(folder, 'dist', 'index.js')).href)) as typeof PhialModule;
}
