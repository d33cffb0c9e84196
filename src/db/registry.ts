/**
 * The link between an app and its database, for `phial db`: `initApp` records the database on the
 * app, and the CLI, having loaded the app like `phial run` does, finds it there. Keys are
 * `Symbol.for` symbols so the link holds even if two copies of Phial are loaded.
 *
 * @module
 */

const DATABASE = Symbol.for('phial.db.database');
const CLI_MIGRATES = Symbol.for('phial.db.cliMigrates');

/**
 * Records `db` as the database of `app`.
 * @throws Error if the app already has one (one `phial/db` database per app)
 */
export function registerDatabase(app: object, db: object): void {
  const current = (app as Record<symbol, unknown>)[DATABASE];
  if (current !== undefined && current !== db) {
    throw new Error('this app already has a database: call initApp() with one Database per app');
  }
  Object.defineProperty(app, DATABASE, { value: db, configurable: true, enumerable: false });
}

/** The database `initApp` recorded on `app`, if any. */
export function databaseOf(app: object): unknown {
  return (app as Record<symbol, unknown>)[DATABASE];
}

/**
 * Marks this process as driven by `phial db`: apps it loads skip their automatic development
 * migrations, so `phial db status` shows what is pending and `rollback` is not undone on load.
 */
export function markCliMigrates(): void {
  (globalThis as Record<symbol, unknown>)[CLI_MIGRATES] = true;
}

/** True once {@link markCliMigrates} ran in this process. */
export function cliMigrates(): boolean {
  return (globalThis as Record<symbol, unknown>)[CLI_MIGRATES] === true;
}
