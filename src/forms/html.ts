/**
 * HTML building for form widgets: escaping and attribute lists.
 *
 * Every value is escaped for both text and double-quoted attribute context with the framework's
 * one `escapeHtml` (`src/security/escape.ts`: `& < > " '` and the backtick; OWASP XSS Prevention
 * Cheat Sheet rule #2 — the six suffice because every attribute is double-quoted).
 *
 * @module
 */

import { escapeHtml } from '../security/escape.ts';

export { escapeHtml };

/** An attribute value: `true` writes the bare name, `false`/`undefined` omits it. */
export type AttributeValue = string | number | boolean | undefined;

/**
 * Serialises attributes in the given order: ` name="value"` for each, escaped. Names come from
 * Phial's code, never from input, so they are only checked, not escaped.
 * @throws {TypeError} for a name that is not a plain attribute name.
 */
export function attributes(attrs: ReadonlyArray<readonly [string, AttributeValue]>): string {
  let out = '';
  for (const [name, value] of attrs) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`Invalid attribute name ${JSON.stringify(name)}`);
    if (value === undefined || value === false) continue;
    out += value === true ? ` ${name}` : ` ${name}="${escapeHtml(String(value))}"`;
  }
  return out;
}
