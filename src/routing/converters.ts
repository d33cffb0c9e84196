/**
 * Built-in converters (Werkzeug's `routing/converters.py`) and the default registry.
 *
 * | name | matches | options |
 * |---|---|---|
 * | `string` (default) | one segment | `minlength=1, maxlength=None, length=None` |
 * | `any` | one of the listed items | `*items` |
 * | `path` | one or more segments, slashes included | – |
 * | `int` | `[0-9]+`, canonical | `fixed_digits=0, min, max, signed=False` |
 * | `float` | `[0-9]+\.[0-9]+`, canonical | `min, max, signed=False` |
 * | `uuid` | 8-4-4-4-12 hex digits | – (the value is lower-cased) |
 *
 * `toUrl` percent-encodes like Werkzeug (``!$&'()*+,:;=@`` kept; `/` kept only by `path`) and,
 * unlike Werkzeug, refuses values its own `toValue` would not match back, so a built URL never
 * silently 404s.
 *
 * @module
 */
import {
  NO_MATCH,
  assertSegmentText,
  bindArgs,
  countArg,
  describe,
  isSegmentText,
  scalarText,
} from './converter.ts';
import type { Converter, ConverterFactory } from './converter.ts';
import { floatConverter, intConverter } from './numbers.ts';
import { encodePathText } from './path.ts';

export { NO_MATCH } from './converter.ts';
export type { Converter, ConverterArgs, ConverterFactory } from './converter.ts';
export { floatConverter, intConverter } from './numbers.ts';

/**
 * `string(minlength=1, maxlength=None, length=None)`: one segment (Werkzeug's
 * `UnicodeConverter`). Lengths count code points, as Python does; `length` fixes the length and
 * cannot be combined with the others. A segment holding an encoded `/` or `\` never matches.
 *
 * @throws Error at rule time for bad arguments (e.g. `maxlength` < `minlength`).
 */
export const stringConverter: ConverterFactory = (args) => {
  const o = bindArgs('string', args, ['minlength', 'maxlength', 'length']);
  const length = countArg(o.length, 'string(length)', undefined);
  if (length !== undefined && (o.minlength != null || o.maxlength != null)) {
    throw new Error('string(length) cannot be combined with minlength or maxlength');
  }
  const min = length ?? countArg(o.minlength, 'string(minlength)', 1)!;
  const max = length ?? countArg(o.maxlength, 'string(maxlength)', undefined);
  if (max !== undefined && max < min) throw new Error(`string(maxlength=${max}) is less than minlength=${min}`);
  const checkLength = min > 1 || max !== undefined;

  const toValue = (piece: string): string | typeof NO_MATCH => {
    if (piece.includes('/') || piece.includes('\\')) return NO_MATCH;
    if (checkLength) {
      // UTF-16 length bounds the code point count from both sides: n/2 <= code points <= n.
      if (piece.length < min || (max !== undefined && piece.length > 2 * max)) return NO_MATCH;
      const n = codePoints(piece);
      if (n < min || (max !== undefined && n > max)) return NO_MATCH;
    }
    return piece;
  };

  return {
    toValue,
    toUrl(value: unknown): string {
      const text = scalarText(value, 'string');
      assertSegmentText(text, 'string');
      if (toValue(text) === NO_MATCH) throw new RangeError('string: value length out of range');
      return encodePathText(text, false);
    },
  };
};

/**
 * `any(item, ...)`: exactly one of the listed items (Werkzeug's `AnyConverter`). Items are strings
 * (numbers are written with `String`); quote items that contain commas or other punctuation:
 * `<any(about, help, "foo,bar"):page>`. `toUrl` rejects values not in the list (Werkzeug 2.2+).
 *
 * @throws Error at rule time when there are no items, an item is repeated or is not valid segment
 *   text, or keyword arguments are given.
 */
export const anyConverter: ConverterFactory = (args) => {
  if (Object.keys(args.keyword).length > 0) throw new Error('any() takes only positional items');
  if (args.positional.length === 0) throw new Error('any() needs at least one item');
  const items = new Set<string>();
  for (const item of args.positional) {
    if (typeof item !== 'string' && !(typeof item === 'number' && Number.isFinite(item))) {
      throw new Error(`any() items must be strings, got ${describe(item)}`);
    }
    const text = String(item);
    if (!isSegmentText(text)) throw new Error(`any() item "${text}" is not valid segment text`);
    if (items.has(text)) throw new Error(`any() item "${text}" is repeated`);
    items.add(text);
  }
  return {
    toValue: (piece) => (items.has(piece) ? piece : NO_MATCH),
    toUrl(value: unknown): string {
      if (typeof value !== 'string' || !items.has(value)) {
        throw new RangeError(`any: value must be one of ${[...items].map((i) => JSON.stringify(i)).join(', ')}`);
      }
      return encodePathText(value, false);
    },
  };
};

/**
 * `path`: one or more whole segments joined by `/` (Werkzeug's `PathConverter`, for
 * `/static/<path:filename>`). The value never contains an empty segment, a dot segment, an
 * encoded `/` or a `\` — the canonical path rules out the first two and the router the others —
 * so it is safe to join to a directory after the usual containment check. It may be followed by
 * further segments (`/files/<path:p>/edit`); a rule may contain one `path` variable, which must
 * fill its segment.
 */
export const pathConverter: ConverterFactory = (args) => {
  bindArgs('path', args, []);
  return {
    spansSegments: true,
    toValue: (piece) => (piece.length === 0 || piece.includes('\\') ? NO_MATCH : piece),
    toUrl(value: unknown): string {
      const text = scalarText(value, 'path');
      for (const segment of text.split('/')) assertSegmentText(segment, 'path');
      return encodePathText(text, true);
    },
  };
};

/**
 * `uuid`: `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex digits of either case (Werkzeug's
 * `UUIDConverter`). The value is the lower-cased string rather than a UUID object.
 */
export const uuidConverter: ConverterFactory = (args) => {
  bindArgs('uuid', args, []);
  const toValue = (piece: string): string | typeof NO_MATCH => {
    if (piece.length !== 36) return NO_MATCH;
    for (let i = 0; i < 36; i++) {
      const c = piece.charCodeAt(i);
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (c !== 45) return NO_MATCH;
      } else if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102))) {
        return NO_MATCH;
      }
    }
    return piece.toLowerCase();
  };
  return {
    toValue,
    toUrl(value: unknown): string {
      const text = typeof value === 'string' ? toValue(value) : NO_MATCH;
      if (text === NO_MATCH) throw new RangeError('uuid: expected a string like 123e4567-e89b-12d3-a456-426614174000');
      return text;
    },
  };
};

/** Code points in a well-formed string: every UTF-16 unit except the low half of a pair. */
function codePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/**
 * The built-in converters by name. `UrlMap` copies it and adds the `converters` it is given, which
 * may also replace a built-in (as Werkzeug's `Map(converters=...)` does).
 */
export const defaultConverters: ReadonlyMap<string, ConverterFactory> = new Map<string, ConverterFactory>([
  ['string', stringConverter],
  ['any', anyConverter],
  ['path', pathConverter],
  ['int', intConverter],
  ['float', floatConverter],
  ['uuid', uuidConverter],
]);

/** Checks that a factory returned something shaped like a {@link Converter}. */
export function isConverter(value: unknown): value is Converter {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Converter>;
  return typeof c.toValue === 'function' && typeof c.toUrl === 'function';
}
