/**
 * Safe file names for uploads, after Werkzeug's `secure_filename`.
 *
 * @module
 */

// Windows opens these devices in any folder, with any extension (`nul.txt` is NUL).
const WINDOWS_DEVICES = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  ...Array.from({ length: 10 }, (_, i) => `COM${i}`), ...Array.from({ length: 10 }, (_, i) => `LPT${i}`),
]);

/** Most characters kept: common file systems allow 255 bytes per name. */
const MAX_LENGTH = 200;

/**
 * Turns a client-supplied file name into one that is safe to use as a single path component.
 *
 * Like Werkzeug's `secure_filename`: Unicode is NFKD-normalised and reduced to ASCII, `/` and `\`
 * become separators whose text is joined with `_` (so no directory can be named), whitespace
 * runs become `_`, everything but `A-Z a-z 0-9 _ . -` is dropped, and leading/trailing `.` and `_`
 * are stripped (no `..`, no hidden files). Unlike Werkzeug it always (not only on Windows)
 * prefixes Windows device names with `_` (`nul.txt` → `_nul.txt`), caps the length at 200
 * characters keeping a short extension, and never returns an empty string: `fallback` instead.
 *
 * The result is still not unique: never write an upload over an existing file without deciding
 * that on purpose.
 *
 * @param name - the name as sent, e.g. `../../etc/passwd` or `Mon Fichier été.PDF`
 * @param fallback - returned when nothing safe remains (default `upload`)
 * @example
 * secureFilename('../../etc/passwd') // 'etc_passwd'
 * secureFilename('My cool movie.mov') // 'My_cool_movie.mov'
 * secureFilename('CON.txt') // '_CON.txt'
 * secureFilename('..') // 'upload'
 */
export function secureFilename(name: string, fallback = 'upload'): string {
  let s = name.normalize('NFKD').replace(/[^ -~\t\n\v\f\r]/g, '');
  s = s.replace(/[/\\]/g, ' ');
  s = s.split(/\s+/).filter((p) => p.length > 0).join('_');
  s = s.replace(/[^A-Za-z0-9_.-]/g, '');
  s = s.replace(/^[._]+|[._]+$/g, '');
  if (s.length > MAX_LENGTH) {
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    s = s.slice(0, MAX_LENGTH - ext.length).replace(/[._]+$/, '') + ext;
  }
  if (s.length === 0) return fallback;
  if (WINDOWS_DEVICES.has(s.split('.')[0]!.toUpperCase())) s = `_${s}`;
  return s;
}
