/**
 * `req.query`: the query string as flat name/value pairs (Werkzeug's `args`), under the same
 * rules as every other parse of it.
 *
 * A route's `query` schema reads the query through `parseUrlEncoded` (bracket names expanded),
 * `req.query` reads it flat; both count parameters the same way (qs's rule: the `&`-separated
 * pieces, empty ones included), cap how many values one name may carry, and decode strictly as
 * UTF-8. A plain `URLSearchParams` has none of these: any number of parameters and values, and
 * `%FF` silently read as U+FFFD.
 *
 * @module
 */
import { RequestEntityTooLarge } from '../errors/http.ts';
import { decodeFormComponent } from './body/percent.ts';
import { tooManyValues } from './body/form.ts';
import type { BodyLimits } from './body/limits.ts';

/**
 * Parses a query string into `URLSearchParams`, in order, under the request's limits.
 *
 * @param text - the query without `?`, e.g. `q=caf%C3%A9&tag=a&tag=b`
 * @param limits - `maxParams` (parameters, default 1000) and `maxArrayIndex` (one name carries at
 *   most `maxArrayIndex + 1` values, default 101)
 * @returns a fresh `URLSearchParams` (callers may change it; the request keeps its own copy)
 * @throws {RequestEntityTooLarge} (413) for more than `maxParams` parameters
 * @throws {BadRequest} (400) for a name repeated more than `maxArrayIndex + 1` times, or a name or
 *   value that is not UTF-8 once percent-decoded
 * @example parseQueryArgs('a=1&a=2&b=%C3%A9', limits).getAll('a') // ['1', '2']
 */
export function parseQueryArgs(text: string, limits: Pick<BodyLimits, 'maxParams' | 'maxArrayIndex'>): URLSearchParams {
  const out = new URLSearchParams();
  if (text.length === 0) return out;
  const pieces = text.split('&', limits.maxParams + 1);
  if (pieces.length > limits.maxParams) {
    throw new RequestEntityTooLarge(`The query string has more than ${limits.maxParams} parameters.`);
  }
  const counts = new Map<string, number>();
  const maxValues = limits.maxArrayIndex + 1;
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const eq = piece.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? piece : piece.slice(0, eq));
    const value = eq === -1 ? '' : decodeFormComponent(piece.slice(eq + 1));
    const n = (counts.get(name) ?? 0) + 1;
    if (n > maxValues) throw tooManyValues(limits);
    counts.set(name, n);
    out.append(name, value);
  }
  return out;
}
