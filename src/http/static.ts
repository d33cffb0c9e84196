/**
 * Serving files from disk without leaving their folder: `safeJoin`, `sendFile`,
 * `sendFromDirectory` (Flask/Werkzeug names).
 *
 * Containment is checked on real paths (symlinks resolved), with `path.relative`, never with a
 * string prefix — so `static_disallow/` next to `static/` is outside (case C06, CVE-2023-29159).
 * Names are refused when absolute, with `..`/`.` segments, backslashes, NUL, drive letters or
 * Windows device names on any OS (Werkzeug's `safe_join` rules), or hidden segments (`.env`,
 * `.git/`), which a static folder should never publish.
 *
 * @module
 */
import { constants, promises as fs } from 'node:fs';
import { extname, isAbsolute, join, relative, sep, basename } from 'node:path';
import { NotFound } from '../errors.ts';
import { Response } from './response.ts';
import type { Request } from './request.ts';

const DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Joins untrusted `name` under `root` lexically, or returns null when the name could leave it.
 * Does not touch the disk; {@link sendFromDirectory} also checks real paths.
 * @example safeJoin('/srv/static', 'a/b.txt') // '/srv/static/a/b.txt'
 * @example safeJoin('/srv/static', '../static1.txt') // null
 */
export function safeJoin(root: string, name: string): string | null {
  if (name === '' || name.includes('\0') || name.includes('\\') || isAbsolute(name) || /^[A-Za-z]:/.test(name)) return null;
  const parts = name.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.startsWith('.')) return null;
    if (DEVICE.test(p.trim())) return null;
    if (p.includes(':')) return null;
  }
  const joined = join(root, ...parts);
  const rel = relative(root, joined);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
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
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
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

/**
 * `Content-Disposition` value per RFC 6266 / RFC 8187: an ASCII fallback `filename` with unsafe
 * characters replaced, and `filename*` with the UTF-8 name percent-encoded.
 */
export function contentDisposition(kind: 'attachment' | 'inline', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return ascii === name ? `${kind}; filename="${ascii}"` : `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends a file whose path the app trusts (not a user-supplied name: use
 * {@link sendFromDirectory} for those). Answers 304 to a matching `If-None-Match` or
 * `If-Modified-Since`.
 * @throws {NotFound} when the path is not a readable regular file
 */
export async function sendFile(path: string, req: Request<unknown>, options: SendFileOptions = {}): Promise<Response> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch {
    throw new NotFound();
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new NotFound();
    const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const lastModified = new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString();
    const headers: Record<string, string> = {
      'content-type': options.mimetype ?? guessType(path),
      etag,
      'last-modified': lastModified,
      'cache-control': options.maxAge !== undefined ? `public, max-age=${Math.max(0, Math.floor(options.maxAge))}` : 'no-cache',
    };
    if (options.asAttachment) headers['content-disposition'] = contentDisposition('attachment', options.downloadName ?? basename(path));
    if (notModified(req, etag, st.mtimeMs)) {
      await handle.close();
      return new Response(null, { status: 304, headers: { etag, 'last-modified': lastModified, 'cache-control': headers['cache-control']! } });
    }
    headers['content-length'] = String(st.size);
    const stream = handle.createReadStream({ autoClose: true });
    return new Response(stream, { headers });
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

function notModified(req: Request<unknown>, etag: string, mtimeMs: number): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const inm = req.header('if-none-match');
  if (inm !== undefined) {
    return inm.split(',').some((t) => { const v = t.trim(); return v === '*' || v === etag || 'W/' + v === etag || v.replace(/^W\//, '') === etag.replace(/^W\//, ''); });
  }
  const ims = req.header('if-modified-since');
  if (ims !== undefined) {
    const t = Date.parse(ims);
    return !Number.isNaN(t) && Math.floor(mtimeMs / 1000) * 1000 <= t;
  }
  return false;
}

/**
 * Sends `name` from inside `root`, refusing anything that would leave it: lexical checks first
 * ({@link safeJoin}), then the real path (symlinks resolved) must be below the real root.
 * @throws {NotFound} for a refused name or a missing file (the same answer, so probing learns nothing)
 */
export async function sendFromDirectory(root: string, name: string, req: Request<unknown>, options: SendFileOptions = {}): Promise<Response> {
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
  return sendFile(realTarget, req, options);
}
