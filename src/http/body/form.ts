/**
 * Form and query-string structure: bracket-notation field names (`user[name]`, `tags[]`,
 * `items[0][id]`) expanded into nested objects by `qs`, under strict rules.
 *
 * - Containers are null-prototype objects (`plainObjects`), so no key can reach
 *   `Object.prototype` and `({}).x` never changes.
 * - A field name with a `__proto__`, `constructor` or `prototype` segment (between brackets,
 *   dots or at the start, after percent-decoding) is a 400 at any depth: qs once let
 *   `a[__proto__]` turn a value into an array-like with a huge `length` (CVE-2022-24999), and
 *   expanding such names wrote into prototypes in express-fileupload (CVE-2020-7699) and hono
 *   (GHSA-v8w9-8mx6-g223). Rejected, not dropped, so the client learns it.
 * - More than `maxDepth` bracket groups is a 400, never flattened (body-parser CVE-2024-45590);
 *   the check is a single scan of the name, so `a[b][b]…` of any length costs linear time.
 * - A numeric index above `maxArrayIndex` is a 400 (no sparse arrays of huge length), and so is
 *   a list of more than `maxArrayIndex + 1` values, however it is spelt: `a[0]…a[n]`, `a[]=…`
 *   repeated, or a plain name repeated (`a=1&a=2…`). One cap for every form of list: before it,
 *   only indices were capped and the other spellings were bounded only by `maxParams`.
 * - Names and values are percent-decoded strictly as UTF-8 ({@link decodeFormComponent}):
 *   `%FF` is a 400, never stored as the text `%FF` or as U+FFFD.
 * - More than `maxParams` parameters is a 413 (qs `parameterLimit`, strict).
 *
 * @module
 */
import qs from 'qs';
import { BadRequest, RequestEntityTooLarge } from '../../errors/http.ts';
import type { BodyLimits } from './limits.ts';
import { decodeFormComponent } from './percent.ts';

/** A form value: a string, a list (`a[]=1&a[]=2`, or a repeated name), or a nested object. */
export type FormValue = string | FormValue[] | FormObject;
/** A parsed form or query string: a null-prototype object of {@link FormValue}s. */
export interface FormObject { [key: string]: FormValue | undefined }

/** The limits the structure rules use. */
export type FormLimits = Pick<BodyLimits, 'maxDepth' | 'maxParams' | 'maxArrayIndex' | 'maxFieldNameSize'>;

const POISON = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^(?:0|[1-9][0-9]*)$/;

/**
 * Checks one field name (already percent-decoded) against the structure rules.
 *
 * @throws {BadRequest} (400) for a `__proto__`/`constructor`/`prototype` segment, more than
 *   `maxDepth` `[` characters, a bracketed numeric index above `maxArrayIndex`, or a name longer
 *   than `maxFieldNameSize` UTF-8 bytes (checked in that order)
 */
export function checkFieldName(name: string, limits: FormLimits): void {
  // One pass over the name: segments split at `[`, `]` and `.` (dots too: other parsers expand
  // `a.b`, and Phial does not want a name that means `__proto__` to any of them).
  let depth = 0;
  let segStart = 0;
  let openedAt = -1;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : -1;
    if (c !== 0x5b && c !== 0x5d && c !== 0x2e && c !== -1) continue;
    const seg = name.slice(segStart, i);
    if (seg.length >= 9 && seg.length <= 11 && POISON.has(seg)) {
      throw new BadRequest('A form field name contains a forbidden segment.');
    }
    if (c === 0x5d && openedAt === segStart - 1 && seg.length > 0 && INDEX.test(seg)
      && (seg.length > 15 || Number(seg) > limits.maxArrayIndex)) {
      throw new BadRequest(`A form field index is above ${limits.maxArrayIndex}.`);
    }
    if (c === 0x5b) {
      openedAt = i;
      if (++depth > limits.maxDepth) throw new BadRequest(`A form field name is nested deeper than ${limits.maxDepth} levels.`);
    }
    segStart = i + 1;
  }
  if (name.length > limits.maxFieldNameSize || Buffer.byteLength(name) > limits.maxFieldNameSize) {
    throw new BadRequest(`A form field name is longer than ${limits.maxFieldNameSize} bytes.`);
  }
}

function qsOptions(limits: FormLimits, arrayLimit: number): qs.IParseOptions {
  return {
    plainObjects: true,
    allowPrototypes: false,
    allowDots: false,
    depth: limits.maxDepth,
    strictDepth: true,
    parameterLimit: limits.maxParams,
    throwOnLimitExceeded: true,
    // Large enough that qs never turns a long list into an object (it would do so silently, or
    // throw a RangeError read as "too many parameters"): list lengths are checked after parsing,
    // one rule for every spelling (assertSafeForm), indices before it (checkFieldName).
    arrayLimit: Math.max(arrayLimit, limits.maxArrayIndex + 1),
    parseArrays: true,
    allowSparse: false,
    duplicates: 'combine',
    comma: false,
    charsetSentinel: false,
    interpretNumericEntities: false,
  };
}

/** Maps qs's RangeErrors (its only limit errors) onto HTTP errors. */
function limitError(err: unknown, limits: FormLimits): unknown {
  if (!(err instanceof RangeError)) return err;
  if (err.message.startsWith('Input depth exceeded')) {
    return new BadRequest(`A form field name is nested deeper than ${limits.maxDepth} levels.`);
  }
  return new RequestEntityTooLarge(`The form has more than ${limits.maxParams} parameters.`);
}

/**
 * Parses an `application/x-www-form-urlencoded` body or a query string (without `?`).
 *
 * @param text - e.g. `user[name]=ann&tags[]=a&tags[]=b`; `+` is a space, `%XX` is a byte and the
 *   bytes must be UTF-8 (a `%` without two hex digits is kept literally, as browsers do)
 * @param limits - the structure limits, usually the request's {@link BodyLimits}
 * @returns a null-prototype object; a repeated name gives a list
 * @throws {BadRequest} (400) for a forbidden segment, too deep a name, too large an index or too
 *   long a name (see {@link checkFieldName}), a list of more than `maxArrayIndex + 1` values, or
 *   a name or value that is not UTF-8 once percent-decoded
 * @throws {RequestEntityTooLarge} (413) for more than `maxParams` parameters
 * @example
 * parseUrlEncoded('a[b][c]=1&t=x&t=y', DEFAULT_BODY_LIMITS) // { a: { b: { c: '1' } }, t: ['x', 'y'] }
 */
export function parseUrlEncoded(text: string, limits: FormLimits): FormObject {
  const options = qsOptions(limits, limits.maxParams);
  options.decoder = (str: string, _defaultDecoder, _charset, type) => {
    const decoded = decodeFormComponent(str);
    if (type === 'key') checkFieldName(decoded, limits);
    return decoded;
  };
  let out: unknown;
  try {
    out = qs.parse(text, options);
  } catch (err) {
    throw limitError(err, limits);
  }
  return assertSafeForm(out, limits);
}

/**
 * Builds a form from name/value pairs whose names are not percent-encoded (multipart fields),
 * with the same rules and expansion as {@link parseUrlEncoded}.
 *
 * @param pairs - in arrival order; a repeated name gives a list
 * @throws {BadRequest} | {RequestEntityTooLarge} as {@link parseUrlEncoded}
 */
export function formFromPairs(pairs: ReadonlyArray<readonly [string, string]>, limits: FormLimits): FormObject {
  const flat = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of pairs) {
    checkFieldName(name, limits);
    const prev = flat[name];
    if (prev === undefined) flat[name] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else flat[name] = [prev, value];
  }
  let out: unknown;
  try {
    out = qs.parse(flat as Record<string, string>, qsOptions(limits, pairs.length));
  } catch (err) {
    throw limitError(err, limits);
  }
  return assertSafeForm(out, limits);
}

/**
 * Verifies a parsed form: no list holds more than `maxArrayIndex + 1` values; and, as defence in
 * depth behind the name checks, every object has a null prototype, no own key is a forbidden
 * name, nesting is at most `maxDepth + 1` containers.
 * @throws {BadRequest} when the structure breaks a rule
 */
function assertSafeForm(value: unknown, limits: FormLimits): FormObject {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limits.maxDepth + 1) throw new BadRequest(`A form field name is nested deeper than ${limits.maxDepth} levels.`);
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayIndex + 1) throw tooManyValues(limits);
      for (const item of v) stack.push([item, depth + 1]);
      continue;
    }
    if (Object.getPrototypeOf(v) !== null) throw new BadRequest('The form could not be parsed.');
    for (const key of Object.keys(v)) {
      if (POISON.has(key)) throw new BadRequest('A form field name contains a forbidden segment.');
      stack.push([(v as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return value as FormObject;
}

/** The 400 for a list longer than the index cap allows, whatever its spelling. */
export function tooManyValues(limits: Pick<BodyLimits, 'maxArrayIndex'>): BadRequest {
  return new BadRequest(`A form or query field has more than ${limits.maxArrayIndex + 1} values.`);
}
