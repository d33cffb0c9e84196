/**
 * URL building, the inverse of matching (Werkzeug's `MapAdapter.build`, Flask's `url_for`).
 *
 * A built path is checked to be canonical and to split back into the same variables, so a URL
 * that `build` returns is one that `match` gives back to the same rule, with these exceptions
 * that building cannot see: a higher-priority rule matching the same path (`/u/new` against both
 * `/u/new` and `/u/<name>`), and custom converters whose `toValue` disagrees with their `toUrl`.
 *
 * @module
 */
import { describe } from './converter.ts';
import { canonicalPath, encodePathText } from './path.ts';
import type { ParsedRule, VariablePart } from './rule.ts';

/**
 * No rule of an endpoint could be built from the given values, or a query value cannot be
 * encoded. The message names the endpoint and, per rule tried, the missing or invalid variable;
 * it never repeats the values themselves.
 */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  readonly endpoint: string;

  constructor(endpoint: string, detail: string) {
    super(`Could not build a URL for endpoint ${JSON.stringify(endpoint)}: ${detail}`);
    this.endpoint = endpoint;
  }
}

/** Builds the path of one rule; throws an Error whose message says which variable failed. */
export type PathBuilder = (values: Readonly<Record<string, unknown>>) => string;

/** Allowed in a built path: unreserved, sub-delims, `:`, `@`, `%` escapes and `/`. */
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;

/** Compiles the path builder of a parsed rule. Static text is encoded once, here. */
export function compileBuilder(parsed: ParsedRule): PathBuilder {
  const plan = parsed.segments.map((segment): string | Step[] =>
    segment.parts.length === 1 && segment.parts[0]!.kind === 'static'
      ? encodePathText(segment.parts[0]!.text, false)
      : segment.parts.map((p) => (p.kind === 'static' ? { text: p.text, encoded: encodePathText(p.text, false) } : p)),
  );
  const trailing = parsed.trailingSlash || plan.length === 0;
  return (values) => {
    let path = '';
    for (const step of plan) path += '/' + (typeof step === 'string' ? step : buildSegment(step, values));
    if (trailing) path += '/';
    const canonical = canonicalPath(path);
    if (!canonical.ok || canonical.segments.some((s) => s.includes('/') || s.includes('\\'))) {
      throw new Error('the values give a path that is not canonical (empty, "." or ".." segments, or an encoded separator)');
    }
    return path;
  };
}

/** Static text of a segment with variables, decoded (for split checks) and encoded (for output). */
interface StaticStep {
  readonly text: string;
  readonly encoded: string;
}
type Step = StaticStep | VariablePart;

function buildSegment(steps: readonly Step[], values: Readonly<Record<string, unknown>>): string {
  let out = '';
  for (let k = 0; k < steps.length; k++) {
    const step = steps[k]!;
    if (!('kind' in step)) {
      out += step.encoded;
      continue;
    }
    let piece: unknown;
    try {
      piece = step.converter.toUrl(Object.hasOwn(values, step.name) ? values[step.name] : undefined);
    } catch (err) {
      throw new Error(`invalid value for "${step.name}" (${(err as Error).message})`, { cause: err });
    }
    if (typeof piece !== 'string' || piece === '' || !PATH_CHARS.test(piece)) {
      throw new Error(`converter ${step.converterName} gave no valid encoded text for "${step.name}"`);
    }
    if (step.converter.spansSegments !== true && piece.includes('/')) {
      throw new Error(`converter ${step.converterName} put a "/" in "${step.name}"`);
    }
    const next = steps[k + 1];
    if (next !== undefined && !('kind' in next) && k + 2 < steps.length) checkSplit(step.name, piece, next.text);
    out += piece;
  }
  return out;
}

/**
 * In `<a>-<b>`, `a` ends at the first `-` after its first character, so its value must not
 * contain one (nor end in a prefix of one that completes across the boundary).
 */
function checkSplit(name: string, piece: string, separator: string): void {
  let text: string;
  try {
    text = decodeURIComponent(piece);
  } catch {
    throw new Error(`converter for "${name}" gave malformed percent-encoding`);
  }
  if ((text + separator).indexOf(separator, 1) !== text.length) {
    throw new Error(`the value of "${name}" contains ${JSON.stringify(separator)}, which ends it when matching`);
  }
}

/**
 * Appends values that are not rule variables as a query string, encoded like URLSearchParams
 * (`q: 'x y'` → `?q=x+y`, Flask's spelling). Arrays give repeated keys; `undefined` and `null`
 * (also inside arrays) are skipped; keys keep the order of `values`.
 *
 * @throws Error for a value that is not a string, finite number, boolean or bigint.
 */
export function appendQuery(path: string, values: Readonly<Record<string, unknown>>, variables: ReadonlySet<string>): string {
  let query: URLSearchParams | null = null;
  for (const key of Object.keys(values)) {
    if (variables.has(key)) continue;
    const value = values[key];
    if (value === undefined || value === null) continue;
    query ??= new URLSearchParams();
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) if (item !== undefined && item !== null) query.append(key, queryText(key, item));
    } else {
      query.append(key, queryText(key, value));
    }
  }
  const text = query === null ? '' : query.toString();
  return text === '' ? path : `${path}?${text}`;
}

function queryText(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  throw new Error(`query value for "${key}" must be a string, finite number, boolean or bigint, got ${describe(value)}`);
}
