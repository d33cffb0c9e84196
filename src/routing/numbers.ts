/**
 * The `int` and `float` converters, canonical spellings only (case C02).
 *
 * Werkzeug matches `\d+` with Python's `int()`, which accepts `007` and, through `\d`, non-ASCII
 * digits; JavaScript's `parseInt`/`Number` accept `+5`, `1e3`, `0x10` and overflow to Infinity.
 * Here every number has exactly one spelling per value, so cache keys, rate-limit keys and
 * audit logs cannot diverge, and over-long input is rejected by its length before any work.
 *
 * @module
 */
import { NO_MATCH, bindArgs, boolArg, boundArg, checkRange, countArg, scalarText } from './converter.ts';
import type { Converter, ConverterFactory } from './converter.ts';

/** Digits of Number.MAX_SAFE_INTEGER (9007199254740991). */
const SAFE_DIGITS = 16;
/** Widest canonical double in fixed notation: 5e-324 → "0." + 323 zeros + "5" (plus a sign). */
const FLOAT_MAX_CHARS = 330;
const ZERO = 48;
const MINUS = 45;
const DOT = 46;

/**
 * `int(fixed_digits=0, min=None, max=None, signed=False)`: Werkzeug's `IntegerConverter`.
 *
 * Matches ASCII `[0-9]+` (a leading `-` only when `signed`): never `+`, `_`, spaces or non-ASCII
 * digits, and no leading zeros (`007` and `-0` do not match, where Werkzeug matches `007` as 7).
 * With `fixed_digits=n` the number must be written with exactly n digits, zero-padded (`007` for
 * n=3). Values beyond ±Number.MAX_SAFE_INTEGER do not match, and a longer input is rejected by its
 * length alone. `min`/`max` are inclusive. `toUrl` accepts a safe integer (or canonical digits
 * as a string) within the bounds and zero-pads to `fixed_digits`.
 *
 * @throws Error at rule time for bad arguments (e.g. `min` > `max`, `fixed_digits` > 64).
 */
export const intConverter: ConverterFactory = (args) => {
  const o = bindArgs('int', args, ['fixed_digits', 'min', 'max', 'signed']);
  const fixed = countArg(o.fixed_digits, 'int(fixed_digits)', 0)!;
  if (fixed > 64) throw new Error('int(fixed_digits) must be at most 64');
  const min = boundArg(o.min, 'int(min)', true);
  const max = boundArg(o.max, 'int(max)', true);
  checkRange(min, max);
  const signed = boolArg(o.signed, 'int(signed)', false);
  const maxDigits = fixed > 0 ? fixed : SAFE_DIGITS;

  const toValue = (piece: string): number | typeof NO_MATCH => {
    const len = piece.length;
    let i = 0;
    let negative = false;
    if (signed && piece.charCodeAt(0) === MINUS) {
      negative = true;
      i = 1;
    }
    const digits = len - i;
    if (digits === 0 || digits > maxDigits) return NO_MATCH;
    if (fixed > 0 ? digits !== fixed : digits > 1 && piece.charCodeAt(i) === ZERO) return NO_MATCH;
    let n = 0;
    for (; i < len; i++) {
      const d = piece.charCodeAt(i) - ZERO;
      if (d < 0 || d > 9) return NO_MATCH;
      n = n * 10 + d;
    }
    if (n > Number.MAX_SAFE_INTEGER) return NO_MATCH;
    if (negative) {
      if (n === 0) return NO_MATCH;
      n = -n;
    }
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) return NO_MATCH;
    return n;
  };

  const converter: Converter = {
    toValue,
    toUrl(value: unknown): string {
      let text: string;
      if (typeof value === 'number') {
        if (!Number.isSafeInteger(value)) throw new RangeError('int: expected a safe integer');
        const digits = String(Math.abs(value)).padStart(fixed, '0');
        text = value < 0 ? '-' + digits : digits;
      } else {
        text = scalarText(value, 'int');
      }
      const back = toValue(text);
      if (back === NO_MATCH || (typeof value === 'number' && back !== value)) {
        throw new RangeError(`int: value out of range for ${describeInt(fixed, min, max, signed)}`);
      }
      return text;
    },
  };
  return converter;
};

function describeInt(fixed: number, min: number | undefined, max: number | undefined, signed: boolean): string {
  const parts = [signed ? 'signed' : 'unsigned'];
  if (fixed > 0) parts.push(`${fixed} digits`);
  if (min !== undefined) parts.push(`>= ${min}`);
  if (max !== undefined) parts.push(`<= ${max}`);
  return parts.join(', ');
}

/**
 * `float(min=None, max=None, signed=False)`: Werkzeug's `FloatConverter`.
 *
 * Matches ASCII `\d+\.\d+` (a dot is required, as in Werkzeug; `-` only when `signed`), and only
 * the canonical spelling: the shortest decimal that round-trips to the same double, in fixed
 * notation with at least one fractional digit (`1.0`, `0.5`, `1.25`; not `01.5`, `1.50`, `-0.0`
 * or `1.` + 400 zeros). Infinity and NaN are never produced; over-long input is rejected by
 * length. `toUrl` writes a finite number in that same spelling.
 *
 * @throws Error at rule time for bad arguments (e.g. `min` > `max`).
 */
export const floatConverter: ConverterFactory = (args) => {
  const o = bindArgs('float', args, ['min', 'max', 'signed']);
  const min = boundArg(o.min, 'float(min)', false);
  const max = boundArg(o.max, 'float(max)', false);
  checkRange(min, max);
  const signed = boolArg(o.signed, 'float(signed)', false);

  const toValue = (piece: string): number | typeof NO_MATCH => {
    if (piece.length > FLOAT_MAX_CHARS || !hasFloatSyntax(piece, signed)) return NO_MATCH;
    const n = Number(piece);
    if (!Number.isFinite(n) || Object.is(n, -0) || formatFloat(n) !== piece) return NO_MATCH;
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) return NO_MATCH;
    return n;
  };

  const converter: Converter = {
    toValue,
    toUrl(value: unknown): string {
      let text: string;
      if (typeof value === 'number') {
        if (!Number.isFinite(value)) throw new RangeError('float: expected a finite number');
        text = formatFloat(value === 0 ? 0 : value);
      } else {
        text = scalarText(value, 'float');
      }
      if (toValue(text) === NO_MATCH) {
        throw new RangeError('float: value out of range or not in canonical form');
      }
      return text;
    },
  };
  return converter;
};

/** `-?` (when signed), digits without a redundant leading zero, a dot, then digits. */
function hasFloatSyntax(piece: string, signed: boolean): boolean {
  let i = 0;
  if (signed && piece.charCodeAt(0) === MINUS) i = 1;
  const intStart = i;
  while (i < piece.length && isDigit(piece.charCodeAt(i))) i++;
  const intDigits = i - intStart;
  if (intDigits === 0 || (intDigits > 1 && piece.charCodeAt(intStart) === ZERO)) return false;
  if (piece.charCodeAt(i) !== DOT) return false;
  const fracStart = ++i;
  while (i < piece.length && isDigit(piece.charCodeAt(i))) i++;
  return i > fracStart && i === piece.length;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The canonical spelling of a finite number: JavaScript's shortest round-trip digits, written in
 * fixed notation, with `.0` when there is no fractional part.
 */
export function formatFloat(n: number): string {
  let text = String(Math.abs(n));
  const e = text.indexOf('e');
  if (e !== -1) text = expandExponent(text.slice(0, e), Number(text.slice(e + 1)));
  if (!text.includes('.')) text += '.0';
  return n < 0 ? '-' + text : text;
}

function expandExponent(mantissa: string, exponent: number): string {
  const dot = mantissa.indexOf('.');
  const digits = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  const point = (dot === -1 ? mantissa.length : dot) + exponent;
  if (point >= digits.length) return digits + '0'.repeat(point - digits.length);
  if (point <= 0) return '0.' + '0'.repeat(-point) + digits;
  return digits.slice(0, point) + '.' + digits.slice(point);
}
