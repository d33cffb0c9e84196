/**
 * Serving files from disk without leaving their folder: `safeJoin`, `sendFile`,
 * `sendFromDirectory` (Flask/Werkzeug names), with conditional requests and byte ranges.
 *
 * Containment (case C06, CVE-2023-29159; Werkzeug's four rounds of `safe_join` fixes):
 * - `name` has been percent-decoded exactly once already (by the router's `<path>` converter)
 *   and is never decoded again. A name still holding `%2F`, `%5C`, `%2E` or `%00` is refused:
 *   it was encoded twice, and a second decoder anywhere would turn it into a separator or `..`.
 * - Refused on every OS, so an app behaves the same on Linux and Windows: absolute names, `\`,
 *   NUL and other control characters, `:` (drive letters `C:`, NTFS streams), empty, `.` and `..`
 *   segments (so `//host/share` UNC forms too), hidden segments (`.env`, `.git/`), segments ending
 *   in `.` or space (Windows strips them: `a.txt.` opens `a.txt`), and Windows device names in
 *   any segment with any extension (`CON`, `aux.txt`, `COM1`, `LPT¹`, `CONIN$`, …).
 * - Then both the root and the target are resolved with `realpath` (symlinks followed) and the
 *   target must lie below the root by `path.relative` — never by string prefix, so
 *   `static_disallow/` next to `static/` is outside — and a symlink leading out is refused.
 *
 * Responses (RFC 9110): a strong `ETag` (size and mtime) and `Last-Modified`; `If-None-Match`
 * (weak comparison) or else `If-Modified-Since` gives 304; `Range: bytes=` with one range gives
 * 206 with `Content-Range`, an unsatisfiable one 416 with a `Content-Range` giving the size, several
 * ranges or a malformed header the full 200; `If-Range` (strong ETag or exact date) must match for
 * the range to apply. Downloads get `Content-Disposition` per RFC 6266 / RFC 8187.
 *
 * @module
 */
import { constants, promises as fs } from 'node:fs';
import { extname, isAbsolute, join, relative, sep, basename, win32 } from 'node:path';
import { NotFound } from '../errors/http.ts';
import { Response } from './response.ts';

/** What file serving reads from a request (a `Request` satisfies it). */
export interface FileRequest {
  readonly method: string;
  header(name: string): string | undefined;
}

// Device names Windows resolves in any folder, with any extension (Werkzeug `_windows_device_files`,
// plus COM0/LPT0, which newer Windows also reserves).
const DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|clock\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const DOUBLE_ENCODED = /%(2f|5c|2e|00)/i;

function badSegment(p: string): boolean {
  if (p === '' || p.startsWith('.') || p.endsWith('.') || p.endsWith(' ')) return true;
  const dot = p.indexOf('.');
  return DEVICE.test((dot === -1 ? p : p.slice(0, dot)).trim());
}

/**
 * Joins an untrusted, already-decoded `name` under `root` lexically, or returns null when the
 * name could leave the root or name something a file server must not open (see the module
 * notes). Does not touch the disk; {@link sendFromDirectory} also checks real paths.
 *
 * @param root - the folder, trusted (from the app's configuration)
 * @param name - the untrusted relative name, `/`-separated
 * @returns an absolute-or-root-relative path inside `root`, or null; never throws
 * @example safeJoin('/srv/static', 'a/b.txt') // '/srv/static/a/b.txt'
 * @example safeJoin('/srv/static', '../static1.txt') // null
 */
export function safeJoin(root: string, name: string): string | null {
  if (typeof root !== 'string' || root === '' || typeof name !== 'string' || name === '' || name.length > 4096) return null;
  if (name.includes('\\') || name.includes(':') || CONTROL.test(name) || DOUBLE_ENCODED.test(name)) return null;
  if (isAbsolute(name) || win32.isAbsolute(name)) return null;
  const parts = name.split('/');
  for (const p of parts) if (badSegment(p)) return null;
  const joined = join(root, ...parts);
  const rel = relative(root, joined);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return null;
  return joined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.htm': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8', '.md': 'text/markdown; charset=utf-8', '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg',
  '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon', '.woff': 'font/woff',
  '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf', '.pdf': 'application/pdf', '.wasm': 'application/wasm',
  '.map': 'application/json', '.webmanifest': 'application/manifest+json', '.mp4': 'video/mp4', '.webm': 'video/webm',
  '.mp3': 'audio/mpeg', '.ogg': 'audio/ogg', '.zip': 'application/zip', '.gz': 'application/gzip',
};

/** The content type for a file name, `application/octet-stream` when unknown. */
export function guessType(name: string): string {
  return Object.hasOwn(TYPES, extname(name).toLowerCase()) ? TYPES[extname(name).toLowerCase()]! : 'application/octet-stream';
}

/** Options for {@link sendFile}. */
export interface SendFileOptions {
  /** Override the guessed content type. */
  mimetype?: string;
  /** Send `Content-Disposition: attachment` (download instead of display). */
  asAttachment?: boolean;
  /** File name offered to the browser (default: the file's base name). */
  downloadName?: string;
  /** `Cache-Control: max-age` in seconds; default: `no-cache` (revalidate with ETag, like Flask). */
  maxAge?: number;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `Content-Disposition` value per RFC 6266 §4 and RFC 8187: `filename` is an ASCII fallback
 * (non-ASCII, controls, `"`, `\`, `%` and `;` replaced by `_`, quoted), and when that differs
 * from the name, `filename*=UTF-8''…` carries the exact name percent-encoded (only RFC 8187
 * `attr-char` left bare). Lone surrogates become U+FFFD. Never throws.
 * @example contentDisposition('attachment', 'résumé.pdf') // `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
 */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const wellFormed = name.replace(LONE_SURROGATE, '\ufffd');
  const ascii = wellFormed.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(wellFormed).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return ascii === wellFormed ? `${kind}; filename="${ascii}"` : `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The outcome of evaluating `Range` against a representation of `size` bytes. */
export type RangeResult =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number }
  | { readonly kind: 'unsatisfiable' };

/**
 * Evaluates a `Range` header (RFC 9110 §14.1.2) for a representation of `size` bytes. One range
 * (`bytes=0-99`, `bytes=100-`, `bytes=-100`) gives `partial` with inclusive byte offsets, clipped
 * to the size; a range starting at or beyond the end (or a zero-length suffix) gives
 * `unsatisfiable`; no header, another unit, several ranges or bad syntax give `full` (a server
 * may ignore `Range`). Never throws.
 * @example parseRange('bytes=-5', 10) // { kind: 'partial', start: 5, end: 9 }
 */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return { kind: 'full' };
  const m = /^[ \t]*bytes[ \t]*=[ \t]*([0-9]{0,15})[ \t]*-[ \t]*([0-9]{0,15})[ \t]*$/i.exec(header);
  if (m === null) return { kind: 'full' };
  const [, a, b] = m as unknown as [string, string, string];
  if (a === '' && b === '') return { kind: 'full' };
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  if (b !== '' && Number(b) < start) return { kind: 'full' }; // invalid range-spec: ignore the header
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: b === '' ? size - 1 : Math.min(Number(b), size - 1) };
}

/** Entity tags of an `If-None-Match`/`If-Match` list, or `'*'`. */
function entityTags(header: string): string[] | '*' {
  if (header.trim() === '*') return '*';
  return header.match(/(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"/g) ?? [];
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * Sends a file whose path the app trusts (not a user-supplied name: use
 * {@link sendFromDirectory} for those). Conditional requests and ranges as in the module notes.
 * @param path - the file; the last component is opened with `O_NOFOLLOW`
 * @param req - the request (method and headers)
 * @throws {NotFound} when the path is not a readable regular file
 */
export async function sendFile(path: string, req: FileRequest, options: SendFileOptions = {}): Promise<Response> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    throw new NotFound();
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new NotFound();
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const mtimeSec = Math.floor(st.mtimeMs / 1000) * 1000;
    const lastModified = new Date(mtimeSec).toUTCString();
    const cacheControl = options.maxAge !== undefined ? `public, max-age=${Math.max(0, Math.floor(options.maxAge))}` : 'no-cache';
    const validators = { etag, 'last-modified': lastModified, 'cache-control': cacheControl, 'accept-ranges': 'bytes' };
    const getOrHead = req.method === 'GET' || req.method === 'HEAD';
    if (getOrHead && notModified(req, etag, mtimeSec)) {
      await handle.close();
      return new Response(null, { status: 304, headers: validators });
    }
    const headers: Record<string, string> = { ...validators, 'content-type': options.mimetype ?? guessType(path) };
    if (options.asAttachment) headers['content-disposition'] = contentDisposition('attachment', options.downloadName ?? basename(path));
    let range: RangeResult = { kind: 'full' };
    if (req.method === 'GET' && ifRangeMatches(req.header('if-range'), etag, lastModified)) range = parseRange(req.header('range'), st.size);
    if (range.kind === 'unsatisfiable') {
      await handle.close();
      return new Response(null, { status: 416, headers: { ...headers, 'content-range': `bytes */${st.size}`, 'content-length': '0' } });
    }
    if (range.kind === 'partial') {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${st.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
      return new Response(handle.createReadStream({ start: range.start, end: range.end, autoClose: true }), { status: 206, headers });
    }
    headers['content-length'] = String(st.size);
    return new Response(handle.createReadStream({ autoClose: true }), { headers });
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** RFC 9110 §13.1.5: an entity tag must match strongly; a date must equal `Last-Modified`. */
function ifRangeMatches(ifRange: string | undefined, etag: string, lastModified: string): boolean {
  if (ifRange === undefined) return true;
  const v = ifRange.trim();
  if (v.startsWith('"') || v.startsWith('W/')) return v === etag;
  const t = Date.parse(v);
  return !Number.isNaN(t) && t === Date.parse(lastModified);
}

/** RFC 9110 §13.2.2: `If-None-Match` (weak comparison) wins; `If-Modified-Since` only without it. */
function notModified(req: FileRequest, etag: string, mtimeSec: number): boolean {
  const inm = req.header('if-none-match');
  if (inm !== undefined) {
    const tags = entityTags(inm);
    return tags === '*' || tags.some((t) => opaque(t) === etag);
  }
  const ims = req.header('if-modified-since');
  if (ims !== undefined) {
    const t = Date.parse(ims);
    return !Number.isNaN(t) && mtimeSec <= t;
  }
  return false;
}

/**
 * Sends `name` from inside `root`, refusing anything that would leave it: lexical checks first
 * ({@link safeJoin}), then the real path (symlinks resolved) must be below the real root and
 * must not pass through a hidden entry.
 * @param root - the folder (trusted)
 * @param name - the untrusted relative name, decoded once (e.g. a `<path:filename>` parameter)
 * @throws {NotFound} for a refused name or a missing file (the same answer, so probing learns nothing)
 * @example app.get('/files/<path:name>', (req) => sendFromDirectory(uploads, req.params.name, req, { asAttachment: true }));
 */
export async function sendFromDirectory(root: string, name: string, req: FileRequest, options: SendFileOptions = {}): Promise<Response> {
  const candidate = safeJoin(root, name);
  if (candidate === null) throw new NotFound();
  let realRoot: string;
  let realTarget: string;
  try {
    realRoot = await fs.realpath(root);
    realTarget = await fs.realpath(candidate);
  } catch {
    throw new NotFound();
  }
  const rel = relative(realRoot, realTarget);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) throw new NotFound();
  if (rel.split(sep).some((p) => p.startsWith('.'))) throw new NotFound();
  return sendFile(realTarget, req, options);
}
