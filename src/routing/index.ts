/**
 * Phial routing: Werkzeug rules matched through a segment trie, URL building, and route
 * parameter types. See `map.ts` for the semantics.
 *
 * @module
 */
export { UrlMap, BuildError } from './map.ts';
export type { AddOptions, RouteMatch, RuleInfo, UrlMapOptions } from './map.ts';
export { RuleError, parseRule } from './rule.ts';
export type { ParsedRule, RulePart, RuleSegment, StaticPart, VariablePart } from './rule.ts';
export {
  NO_MATCH,
  anyConverter,
  defaultConverters,
  floatConverter,
  intConverter,
  pathConverter,
  stringConverter,
  uuidConverter,
} from './converters.ts';
export type { Converter, ConverterArgs, ConverterFactory } from './converters.ts';
export { canonicalPath, encodePathText } from './path.ts';
export type { CanonicalPath } from './path.ts';
export type { ConverterTypes, RouteParams } from './params.ts';
