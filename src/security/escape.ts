/**
 * HTML escaping, one implementation for the whole framework: templates (auto-escape), form
 * widgets, and the default error pages.
 *
 * `& < > " '` become entities (OWASP XSS Prevention Cheat Sheet, rule #1) and so does the
 * backtick, which old Internet Explorer treated as an attribute quote: the result is safe in
 * element text and in double- or single-quoted attribute values. Never in unquoted attributes,
 * scripts, styles or URLs (use the right encoder there). No dependency, so that error pages and
 * form parsing never load LiquidJS.
 *
 * @module
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&#34;',
  "'": '&#39;',
  '`': '&#96;',
};
const SPECIAL = /[&<>"'`]/g;

/** Escapes `& < > " ' \`` for HTML text and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(SPECIAL, (ch) => ESCAPES[ch] ?? ch);
}
