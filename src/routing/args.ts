/**
 * Converter arguments in Werkzeug's Python-literal syntax: the `minlength=2` in
 * `<string(minlength=2):code>` and the items in `<any(about, help, "foo,bar"):page>`.
 *
 * @module
 */
import type { ConverterArgs } from './converters.ts';

/**
 * Parses the text between the parentheses of a converter.
 *
 * Accepted, like Werkzeug's `parse_converter_args`:
 * - positional and `keyword=value` arguments, separated by commas (a trailing comma is fine);
 *   positional arguments may not follow keyword arguments, and a keyword may appear once;
 * - `True`/`true`, `False`/`false`, `None` (→ `null`);
 * - integers (`42`, `-5`; must be safe integers) and floats (`1.5`, `2.`, `.5`, `1e3`; finite);
 * - quoted strings `"..."` or `'...'`, optionally prefixed `u`/`r`; a quoted string may contain
 *   commas, and `\\`, `\"` and `\'` escapes (except in `r` strings);
 * - bare words such as `about` or `index.html` (letters, digits, `_` and `.`, not starting with
 *   a digit), which are strings, as in Werkzeug.
 *
 * A leading sign on numbers is an extension (Werkzeug 3 rejects `min=-5`).
 *
 * @param text - The text inside the parentheses.
 * @returns `{ positional, keyword }`; `keyword` has a null prototype.
 * @throws Error with a message describing the first problem; the rule parser wraps it in a
 *   `RuleError` that names the rule.
 */
export function parseConverterArgs(text: string): ConverterArgs {
  const positional: unknown[] = [];
  const keyword = Object.create(null) as Record<string, unknown>;
  let sawKeyword = false;
  let i = skipSpace(text, 0);
  while (i < text.length) {
    let name: string | undefined;
    const identEnd = scanIdentifier(text, i);
    if (identEnd > i) {
      const eq = skipSpace(text, identEnd);
      if (text[eq] === '=' && text[eq + 1] !== '=') {
        name = text.slice(i, identEnd);
        i = skipSpace(text, eq + 1);
      }
    }
    const [value, end] = readValue(text, i);
    if (name === undefined) {
      if (sawKeyword) throw new Error('a positional argument follows a keyword argument');
      positional.push(value);
    } else {
      if (Object.hasOwn(keyword, name)) throw new Error(`keyword argument "${name}" is repeated`);
      keyword[name] = value;
      sawKeyword = true;
    }
    i = skipSpace(text, end);
    if (i < text.length) {
      if (text[i] !== ',') throw new Error(`expected "," at offset ${i} of "${text}"`);
      i = skipSpace(text, i + 1);
    }
  }
  return { positional, keyword };
}

function readValue(text: string, i: number): [unknown, number] {
  let c = text[i];
  let raw = false;
  if ((c === 'u' || c === 'U' || c === 'r' || c === 'R') && (text[i + 1] === '"' || text[i + 1] === "'")) {
    raw = c === 'r' || c === 'R';
    i++;
    c = text[i];
  }
  if (c === '"' || c === "'") return readString(text, i, c, raw);
  let end = i;
  while (end < text.length && isBareChar(text.charCodeAt(end))) end++;
  if (end === i) {
    const what = c === undefined ? 'end of arguments' : `"${c}"`;
    throw new Error(`expected a value, found ${what} in "${text}" (quote strings that contain other characters)`);
  }
  return [pythonize(text.slice(i, end)), end];
}

function readString(text: string, i: number, quote: string, raw: boolean): [string, number] {
  let out = '';
  for (let k = i + 1; k < text.length; k++) {
    const c = text[k]!;
    if (c === quote) return [out, k + 1];
    if (c === '\\' && !raw && k + 1 < text.length) {
      const next = text[k + 1]!;
      if (next === '\\' || next === '"' || next === "'") {
        out += next;
        k++;
        continue;
      }
    }
    out += c;
  }
  throw new Error(`unterminated string in "${text}"`);
}

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(?:\d+\.\d*|\.\d+|\d+(?=[eE]))(?:[eE][+-]?\d+)?$/;
const BARE_WORD = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function pythonize(token: string): unknown {
  switch (token) {
    case 'True':
    case 'true':
      return true;
    case 'False':
    case 'false':
      return false;
    case 'None':
      return null;
  }
  if (INTEGER.test(token)) {
    const n = Number(token);
    if (!Number.isSafeInteger(n)) throw new Error(`integer ${token} is outside the safe integer range`);
    return n;
  }
  if (FLOAT.test(token)) {
    const n = Number(token);
    if (!Number.isFinite(n)) throw new Error(`number ${token} is not finite`);
    return n;
  }
  if (BARE_WORD.test(token)) return token;
  throw new Error(`cannot read "${token}" as a value (quote strings)`);
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

function scanIdentifier(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (!(isLetter(first) || first === 95)) return i;
  let end = i + 1;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (!(isLetter(c) || isDigit(c) || c === 95)) break;
    end++;
  }
  return end;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Letters, digits, `_`, `.`, and `+`/`-` for signed numbers and exponents. */
function isBareChar(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === 95 || c === 46 || c === 43 || c === 45;
}
