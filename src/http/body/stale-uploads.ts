/**
 * App start: removal of the upload folders a killed process of the same app left behind.
 *
 * @module
 */
import { removeStaleUploadDirs } from './upload-dirs.ts';

/**
 * Removes this app's stale upload folders under `os.tmpdir()` (see `removeStaleUploadDirs` for
 * which folders count as stale and why a live-process check is used) and logs the outcome: one
 * `info` line when folders were removed, one `warn` line when some could not be. Never throws.
 * @param appName - the app's name (the folder names carry it)
 * @param logger - where the outcome goes
 */
export function removeStaleUploads(appName: string, logger: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void }): void {
  const { removed, failed } = removeStaleUploadDirs(appName);
  if (removed.length > 0) logger.info({ removed: removed.length }, 'removed upload folders left by a stopped process');
  if (failed.length > 0) logger.warn({ failed }, 'could not remove stale upload folders');
}
