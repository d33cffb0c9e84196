/**
 * Text rules for the headers of one multipart part, applied before busboy decodes the part.
 *
 * busboy decodes field values, field names and file names as UTF-8 with replacement (invalid
 * bytes become U+FFFD), or in whatever charset a part declares, so `%FF`-style garbage would
 * reach the form as text. Phial's rule for every text it reads is strict UTF-8 (RFC 7578 §5.1:
 * form-data names and values are UTF-8 today), so for each part this module:
 * - refuses a `name` or `filename` parameter whose bytes are not UTF-8 (400), and an RFC 8187
 *   extended parameter (`filename*=`, sent by some HTTP clients next to `filename`) that is not
 *   `utf-8''…` or whose percent-decoded bytes are not UTF-8 (400);
 * - tells whether the part is a non-file field, whose body must then be UTF-8 (checked while it
 *   streams, see `PartGuard`); a field declaring another `charset` is a 415, like a JSON or
 *   urlencoded body would be.
 * File contents are bytes and are never checked. Which parts are fields and which are files is
 * decided by busboy's own header parsers, so the two can never disagree.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { BadRequest, UnsupportedMediaType } from '../../errors/http.ts';

interface BusboyUtils {
  parseContentType(s: string): { type: string; subtype: string; params: Record<string, string | undefined> } | undefined;
  parseDisposition(s: string, decode: (value: string, hint: number) => string | undefined):
    { type: string; params: Record<string, string | undefined> } | undefined;
}
// busboy's parsers themselves (a deep CommonJS path, without types), so the classification below
// is exactly the one busboy applies to the same header values.
const busboyUtils = createRequire(import.meta.url)('busboy/lib/utils.js') as BusboyUtils;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function badName(): BadRequest {
  return new BadRequest('A multipart field or file name is not valid UTF-8.');
}

/** busboy hands parameter values over as latin1 strings: one character per byte. */
function strictParam(value: string): string {
  try {
    return strictUtf8.decode(Buffer.from(value, 'latin1'));
  } catch {
    throw badName();
  }
}

/**
 * Header name (lower-case) → first value, as busboy builds it: a line starting with SP or HTAB
 * continues the previous value.
 */
function headerMap(lines: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | undefined; // the header whose first value the previous line started
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (current !== undefined) out.set(current, out.get(current)! + line);
      continue;
    }
    current = undefined;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    if (out.has(name)) continue;
    out.set(name, line.slice(colon + 1).replace(/^[ \t]+/, ''));
    current = name;
  }
  return out;
}

/** Raw values of the extended (`name*=`) parameters of a Content-Disposition value. */
function extendedParams(value: string): string[] {
  const out: string[] = [];
  let i = value.indexOf(';');
  while (i !== -1 && i < value.length) {
    const eq = value.indexOf('=', i);
    if (eq === -1) break;
    const name = value.slice(i + 1, eq).trim();
    let end = eq + 1;
    while (value[end] === ' ' || value[end] === '\t') end++;
    if (value[end] === '"') {
      end++;
      while (end < value.length && value[end] !== '"') end += value[end] === '\\' ? 2 : 1;
      end++;
    } else {
      const start = end;
      while (end < value.length && value[end] !== ';') end++;
      if (name.endsWith('*')) out.push(value.slice(start, end).trim());
    }
    i = value.indexOf(';', end);
  }
  return out;
}

/** RFC 8187 ext-value: `charset'language'pct-encoded`; only UTF-8 is read. */
function checkExtendedValue(ext: string): void {
  const m = /^([^']*)'[^']*'(.*)$/.exec(ext);
  if (m === null) return; // busboy drops a malformed parameter itself
  const charset = m[1]!.toLowerCase();
  if (charset !== 'utf-8' && charset !== 'utf8') throw badName();
  const bytes = Buffer.from(m[2]!.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
  try { strictUtf8.decode(bytes); } catch { throw badName(); }
}

/**
 * Checks one part's header block and says whether its body is field text.
 *
 * @param lines - the part's header lines as latin1 strings (one character per byte), without
 *   line ends
 * @returns true for a non-file field (its body must be UTF-8), false for a file or a part busboy
 *   skips (no `form-data` disposition)
 * @throws {BadRequest} (400) for a name or file name that is not UTF-8 (see the module notes)
 * @throws {UnsupportedMediaType} (415) for a field declaring a charset other than UTF-8
 */
export function checkPartHeaders(lines: readonly string[]): boolean {
  const headers = headerMap(lines);
  const cd = headers.get('content-disposition');
  if (cd === undefined) return false;
  const disp = busboyUtils.parseDisposition(cd, strictParam);
  if (disp === undefined || disp.type !== 'form-data') return false;
  for (const ext of extendedParams(cd)) checkExtendedValue(ext);
  const ct = headers.get('content-type');
  const type = ct === undefined ? undefined : busboyUtils.parseContentType(ct);
  // busboy's rule: a part is a file when it has a file name or is application/octet-stream.
  const isFile = disp.params['filename*'] !== undefined || disp.params.filename !== undefined ||
    (type !== undefined && type.type === 'application' && type.subtype === 'octet-stream');
  if (isFile) return false;
  const charset = type?.params.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaType('Only UTF-8 form fields are supported.');
  }
  return true;
}
