// HTML auto-escaping shared by the file engine and the sandbox.
//
// Both Liquid instances set `outputEscape` to `escapeOutput`: LiquidJS appends it to every
// `{{ … }}`, `{% echo %}` and `{% cycle %}` unless the *last* filter is marked raw. The explicit
// opt-out is Liquid's own `raw` filter: `{{ html | raw }}`. Note that `raw` must be last:
// `{{ x | raw | upcase }}` is escaped again, because `upcase` is not raw.
import { toValue } from 'liquidjs';
import type { Liquid } from 'liquidjs';
import type { FilterHandler } from './liquid-types.ts';

import { escapeHtml } from '../security/escape.ts';

export { escapeHtml };

/**
 * Liquid's string conversion: `nil` → `''`, arrays joined without separator, drops unwrapped,
 * everything else through `String()`.
 */
export function liquidString(value: unknown): string {
  const v: unknown = toValue(value);
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(liquidString).join('');
  return String(v);
}

/**
 * The `outputEscape` function of both Liquid instances. Unlike LiquidJS's built-in `'escape'`
 * it does not charge the memory limiter: the sandbox bounds output separately (its emitter
 * counts bytes), so charging here would make `memoryLimit` a second, smaller output cap.
 */
export function escapeOutput(value: unknown): string {
  return escapeHtml(liquidString(value));
}

/**
 * Re-registers `escape`, `escape_once` and `xml_escape` as raw filters: their result is already
 * safe HTML, so `{{ x | escape }}` (common in Shopify/Jekyll templates) prints `&lt;` rather
 * than the double-escaped `&amp;lt;` that auto-escaping would otherwise produce.
 */
export function registerEscapeFiltersAsRaw(liquid: Liquid): void {
  for (const name of ['escape', 'escape_once', 'xml_escape']) {
    const impl = liquid.filters[name];
    if (impl === undefined) continue;
    const handler: FilterHandler = typeof impl === 'function' ? impl : impl.handler;
    liquid.registerFilter(name, { handler, raw: true });
  }
}
