/**
 * The converter contract (Werkzeug's `BaseConverter`) and the helpers built-in converters share.
 * Public names are re-exported by `converters.ts`.
 *
 * @module
 */

/** Returned by {@link Converter.toValue} when a piece of path does not match. */
export const NO_MATCH: unique symbol = Symbol('phial.routing.NO_MATCH');

/**
 * Turns one piece of a request path into a typed value and back (Werkzeug's `to_python` and
 * `to_url`). Converters are shared by every request, so they must be stateless.
 *
 * Instead of a `regex`, a converter decides in `toValue` whether a piece matches: the router never
 * builds a regular expression from a rule, so matching stays linear in the path length.
 */
export interface Converter {
  /**
   * Converts a piece of the path: one percent-decoded segment, or for a converter with
   * `spansSegments` one or more decoded segments joined by `/`. The router never passes empty
   * text, a dot segment, or a segment whose decoded text contains `/` or `\`.
   *
   * @returns The value, or {@link NO_MATCH} (the route does not match: 404, or the next rule).
   *   Other exceptions propagate (a 500): they mean a bug in the converter.
   */
  toValue(piece: string): unknown | typeof NO_MATCH;
  /**
   * Converts a value to percent-encoded path text for URL building.
   *
   * @throws Error (any kind) when the value could not be matched back; URL building then tries
   *   the endpoint's next rule or throws `BuildError`.
   */
  toUrl(value: unknown): string;
  /** True for converters that match one or more whole segments, slashes included (`path`). */
  readonly spansSegments?: boolean;
}

/** Arguments written in a rule, e.g. `any(a, b)` or `int(min=1)`. `keyword` has a null prototype. */
export interface ConverterArgs {
  readonly positional: readonly unknown[];
  readonly keyword: Readonly<Record<string, unknown>>;
}

/**
 * Makes a converter from the arguments in a rule. Called once per variable when the rule is
 * added; it must validate its arguments and throw an Error with a clear message when they are
 * wrong (the rule parser wraps it in a `RuleError` naming the rule).
 *
 * @example
 * ```ts
 * const hex: ConverterFactory = () => ({
 *   toValue: (piece) => (/^[0-9a-f]{1,16}$/.test(piece) ? BigInt('0x' + piece) : NO_MATCH),
 *   toUrl: (value) => (value as bigint).toString(16),
 * });
 * new UrlMap({ converters: { hex } }).add('/c/<hex:id>', { endpoint: 'c' });
 * ```
 */
export type ConverterFactory = (args: ConverterArgs) => Converter;

/**
 * Binds positional and keyword arguments to parameter names, as a Python call would.
 *
 * @throws Error for too many positional arguments, an unknown keyword or one given twice.
 */
export function bindArgs(converter: string, args: ConverterArgs, names: readonly string[]): Record<string, unknown> {
  if (args.positional.length > names.length) {
    throw new Error(`${converter}() takes at most ${names.length} positional argument(s), got ${args.positional.length}`);
  }
  const bound = Object.create(null) as Record<string, unknown>;
  args.positional.forEach((value, k) => {
    bound[names[k]!] = value;
  });
  for (const key of Object.keys(args.keyword)) {
    if (!names.includes(key)) {
      const known = names.length > 0 ? ` (known: ${names.join(', ')})` : '';
      throw new Error(`${converter}() got an unexpected argument "${key}"${known}`);
    }
    if (key in bound) throw new Error(`${converter}() got argument "${key}" twice`);
    bound[key] = args.keyword[key];
  }
  return bound;
}

/** A non-negative safe integer argument; `null`/absent gives `fallback`. */
export function countArg(value: unknown, what: string, fallback: number | undefined): number | undefined {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} must be a non-negative integer`);
  }
  return value;
}

/** A boolean argument; `null`/absent gives `fallback`. */
export function boolArg(value: unknown, what: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${what} must be true or false`);
  return value;
}

/** A numeric bound (`min`/`max`); `null`/absent means unbounded. */
export function boundArg(value: unknown, what: string, integer: boolean): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || (integer ? !Number.isSafeInteger(value) : !Number.isFinite(value))) {
    throw new Error(`${what} must be ${integer ? 'a safe integer' : 'a finite number'}`);
  }
  return value;
}

/** Checks that `min <= max` when both are given. */
export function checkRange(min: number | undefined, max: number | undefined): void {
  if (min !== undefined && max !== undefined && min > max) throw new Error(`min (${min}) is greater than max (${max})`);
}

/**
 * Whether decoded text can be one path segment that the router would offer to a converter:
 * not empty, not a dot segment, and free of `/`, `\` and NUL.
 */
export function isSegmentText(text: string): boolean {
  return (
    text.length > 0 &&
    text !== '.' &&
    text !== '..' &&
    !text.includes('/') &&
    !text.includes('\\') &&
    !text.includes('\0')
  );
}

/** Throws a RangeError unless {@link isSegmentText}. */
export function assertSegmentText(text: string, converter: string): void {
  if (!isSegmentText(text)) {
    throw new RangeError(`${converter}: a value must be non-empty, not "." or "..", and free of "/", "\\" and NUL`);
  }
}

/** The text of a scalar value for `toUrl`: strings as they are, finite numbers and bigints via `String`. */
export function scalarText(value: unknown, converter: string): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return String(value);
  throw new TypeError(`${converter}: expected a string, got ${describe(value)}`);
}

/** A short type description for error messages; never echoes the value itself. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isFinite(value) ? 'a number' : String(value);
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
