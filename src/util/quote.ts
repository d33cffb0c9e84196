/**
 * Values shown inside error messages.
 *
 * A message may end up in a log line or an HTTP error page, so a value is never pasted in raw:
 * JSON quoting escapes CR, LF and every other control character (a message stays one line and
 * cannot forge a log entry), and long values are cut (a megabyte of input does not become a
 * megabyte of log). Never pass a secret: the value is shown, not masked.
 *
 * @module
 */

/** Characters of a value kept in a message before it is cut with `…`. */
export const QUOTE_MAX_LENGTH = 120;

/**
 * A value for an error message: a string JSON-quoted (`"a\nb"`), anything else as JSON
 * (`5`, `true`, `["a"]`, `{"k":1}`) or, when JSON cannot show it, as `String(value)`
 * (`undefined`, a function, a symbol). Text longer than `maxLength` is cut and ends with `…`.
 * Never throws, whatever the value (a cyclic object, a BigInt, a null-prototype object).
 *
 * @param maxLength - characters of the value kept (default {@link QUOTE_MAX_LENGTH})
 * @example quote('line\nbreak') // '"line\\nbreak"'
 * @example quote(42) // '42'
 */
export function quote(value: unknown, maxLength = QUOTE_MAX_LENGTH): string {
  if (typeof value === 'string') return JSON.stringify(cut(value, maxLength));
  return cut(asText(value), maxLength);
}

function cut(s: string, maxLength: number): string {
  return s.length > maxLength ? `${s.slice(0, maxLength)}…` : s;
}

function asText(value: unknown): string {
  try {
    const json = JSON.stringify(value) as string | undefined;
    if (json !== undefined) return json;
  } catch { /* a BigInt or a cycle: fall through */ }
  try { return String(value); } catch { return Object.prototype.toString.call(value); }
}
