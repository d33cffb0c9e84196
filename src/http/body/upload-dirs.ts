/**
 * Names of per-request upload folders, and removal of the ones a dead process left behind.
 *
 * Each multipart request with files streams them into a fresh folder under the temp root, removed
 * after the response. A process killed mid-request (SIGKILL, OOM, power loss) never removes its
 * folders, so they would stay forever. Folder names therefore say whose they are:
 *
 * `phial-upload-<app>-<host>-<pid>-<random>`
 *
 * where `<app>` is the app name (characters other than `A-Z a-z 0-9 _` percent-encoded, so it
 * contains no `-`; a digest when longer than 64 characters), `<host>` the first 8 hex digits of SHA-256 of the machine's host name, and
 * `<pid>` the creating process. When an app starts, {@link removeStaleUploadDirs} removes the
 * folders of the same app and host whose process is no longer alive.
 *
 * Why a live-process check and not an age threshold: an age cannot tell a stale folder from the
 * folder of an upload that is simply slow or of a view still working on its files, so any
 * threshold either deletes files in use or keeps garbage for that long. A process id is exact
 * for the common cases: a restart after a crash, and cluster workers, where a worker starting
 * again removes only its dead predecessor's folders, never a sibling's. A reused process id only
 * delays a removal to a later start (the folder is kept while that pid is alive); it can never
 * remove a folder in use. The host tag keeps containers that share one temp volume but not a pid
 * namespace from judging each other's processes. Folders of other apps, of other hosts, and
 * unnamed ones (from Phial versions before this scheme) are never touched.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

const BASE = 'phial-upload-';
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

function appTag(appName: string): string {
  const tag = appName.replace(/[^A-Za-z0-9_]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  // File names have 255 bytes at most: a long name is replaced by a digest (still per app).
  return tag.length <= 64 ? tag : `h${createHash('sha256').update(appName).digest('hex').slice(0, 16)}`;
}

/**
 * The `mkdtemp` prefix of this process's upload folders for an app (see the module notes).
 * @param appName - the app's name, e.g. `notes`
 * @param pid - the creating process (default this one)
 * @example uploadDirPrefix('notes') // 'phial-upload-notes-1a2b3c4d-4242-'
 */
export function uploadDirPrefix(appName: string, pid: number = process.pid): string {
  return `${BASE}${appTag(appName)}-${HOST_TAG}-${pid}-`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only, nothing is sent
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to another user. Only ESRCH means gone.
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes the upload folders of `appName` on this host whose creating process is dead. Runs once
 * when the app is frozen (first request, `listen()`, `testClient()`); synchronous, one directory
 * listing of `root`. This process's own folders are always kept.
 *
 * @param appName - the app's name
 * @param root - the temp root the folders live in (default `os.tmpdir()`)
 * @returns the names of the folders removed; never throws (a folder that cannot be removed, or a
 *   root that cannot be listed, is skipped and reported in `failed`)
 */
export function removeStaleUploadDirs(appName: string, root: string = tmpdir()): { removed: string[]; failed: string[] } {
  const removed: string[] = [];
  const failed: string[] = [];
  const prefix = `${BASE}${appTag(appName)}-${HOST_TAG}-`;
  let names: string[];
  try { names = readdirSync(root); } catch { return { removed, failed: [root] }; }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^([1-9][0-9]{0,9})-[^-]+$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    try {
      rmSync(join(root, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      failed.push(name);
    }
  }
  return { removed, failed };
}
