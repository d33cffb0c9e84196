/**
 * Werkzeug rule strings (`/users/<int:id>`) parsed into segments of static text and variables.
 *
 * @module
 */
import { parseConverterArgs } from './args.ts';
import { defaultConverters, isConverter } from './converters.ts';
import type { Converter, ConverterArgs, ConverterFactory } from './converters.ts';

/**
 * A rule that cannot be used: bad syntax, an unknown converter, bad converter arguments, or (from
 * `UrlMap.add`) a rule that conflicts with one already added. The message names the rule.
 */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  /** The rule string as given. */
  readonly rule: string;

  constructor(rule: string, detail: string, options?: ErrorOptions) {
    super(`Invalid rule ${JSON.stringify(rule)}: ${detail}`, options);
    this.rule = rule;
  }
}

/** Literal text, matched against the percent-decoded path. */
export interface StaticPart {
  readonly kind: 'static';
  readonly text: string;
}

/** A `<converter(args):name>` variable. */
export interface VariablePart {
  readonly kind: 'variable';
  readonly name: string;
  readonly converterName: string;
  readonly args: ConverterArgs;
  /** The arguments normalised to a string: equal keys mean equal converters. */
  readonly argsKey: string;
  readonly converter: Converter;
}

export type RulePart = StaticPart | VariablePart;

/** The text between two slashes of a rule. */
export interface RuleSegment {
  /** Static text and variables in order; never two variables side by side. */
  readonly parts: readonly RulePart[];
  /** True when the segment is a single variable whose converter spans segments (`path`). */
  readonly spansSegments: boolean;
}

/** A parsed rule. */
export interface ParsedRule {
  readonly rule: string;
  /** The segments after the leading `/`; empty for the root rule `/`. */
  readonly segments: readonly RuleSegment[];
  /** Whether the rule ends in `/` (false for `/`). */
  readonly trailingSlash: boolean;
  /** Variable names, left to right. */
  readonly variables: readonly string[];
}

const EMPTY_ARGS: ConverterArgs = Object.freeze({
  positional: Object.freeze([]),
  keyword: Object.freeze(Object.create(null) as Record<string, unknown>),
});

/**
 * Parses a rule such as `/users/<int:id>` or `/<a>-<b>`.
 *
 * Syntax (Werkzeug's): a rule starts with `/`; a variable is `<name>` (the `string` converter),
 * `<converter:name>` or `<converter(args):name>` with arguments in Python-literal syntax
 * (see `parseConverterArgs`). Names are identifiers. Static text is literal, decoded text: it is
 * compared with the percent-decoded request path and encoded when URLs are built.
 *
 * Stricter than Werkzeug, each a {@link RuleError}:
 * - an empty segment (`//`), a `.`/`..` segment, a `\` or NUL (they can never be matched in a
 *   canonical path);
 * - two variables with no static text between them in one segment (`<a><b>`), because the split
 *   point would be ambiguous;
 * - more than one spanning (`path`) variable, or one that shares its segment with other text;
 * - a repeated variable name, or the name `__proto__`.
 *
 * Converter factories run here, so bad converter arguments (`int(min=5, max=2)`) fail now.
 *
 * @param rule - The rule string.
 * @param converters - Converter factories by name; default the built-ins.
 * @throws RuleError naming the rule and the problem.
 *
 * @example
 * ```ts
 * const parsed = parseRule('/files/<path:name>/<any(raw, "a,b"):view>');
 * parsed.variables;      // ['name', 'view']
 * parsed.trailingSlash;  // false
 * ```
 */
export function parseRule(
  rule: string,
  converters: ReadonlyMap<string, ConverterFactory> = defaultConverters,
): ParsedRule {
  if (typeof rule !== 'string' || rule.charCodeAt(0) !== 47) {
    throw new RuleError(String(rule), 'a rule must start with "/"');
  }
  const fail = (detail: string, cause?: unknown): never => {
    throw new RuleError(rule, detail, cause === undefined ? undefined : { cause });
  };
  const segments: RuleSegment[] = [];
  const variables: string[] = [];
  let parts: RulePart[] = [];
  let text = '';
  let spanning = 0;

  const closeSegment = (): void => {
    if (text !== '') parts.push({ kind: 'static', text });
    text = '';
    if (parts.length === 0) fail('empty segment ("//")');
    const only = parts.length === 1 ? parts[0]! : undefined;
    if (only?.kind === 'static' && (only.text === '.' || only.text === '..')) {
      fail(`"${only.text}" segments never match: request paths are canonicalised first`);
    }
    const spans = parts.some((p) => p.kind === 'variable' && p.converter.spansSegments === true);
    if (spans && parts.length > 1) fail('a path variable must fill its whole segment');
    segments.push({ parts, spansSegments: spans });
    parts = [];
  };

  let i = 1;
  while (i < rule.length) {
    const c = rule[i]!;
    if (c === '/') {
      closeSegment();
      i++;
    } else if (c === '<') {
      if (text !== '') parts.push({ kind: 'static', text });
      else if (parts.length > 0) fail('two variables need static text between them');
      text = '';
      const [part, end] = readVariable(rule, i, converters, fail);
      if (variables.includes(part.name)) fail(`variable "${part.name}" appears twice`);
      if (part.converter.spansSegments === true && ++spanning > 1) fail('only one path variable is allowed');
      variables.push(part.name);
      parts.push(part);
      i = end;
    } else if (c === '>') {
      fail(`unexpected ">" at offset ${i}`);
    } else if (c === '\\' || c === '\0') {
      fail(c === '\\' ? 'a backslash never matches a path segment' : 'NUL is not allowed');
    } else {
      text += c;
      i++;
    }
  }
  const trailingSlash = rule.length > 1 && rule.endsWith('/');
  if (rule.length > 1 && !trailingSlash) closeSegment();
  return { rule, segments, trailingSlash, variables };
}

type Fail = (detail: string, cause?: unknown) => never;

/** Reads `<name>`, `<conv:name>` or `<conv(args):name>` starting at the `<`. */
function readVariable(
  rule: string,
  start: number,
  converters: ReadonlyMap<string, ConverterFactory>,
  fail: Fail,
): [VariablePart, number] {
  const syntax = 'expected <name>, <converter:name> or <converter(args):name>';
  const firstEnd = identifierEnd(rule, start + 1);
  if (firstEnd === start + 1) fail(`bad variable at offset ${start}: ${syntax}`);
  const first = rule.slice(start + 1, firstEnd);
  let converterName = 'string';
  let argsText: string | undefined;
  let name = first;
  let j = firstEnd;
  if (rule[j] !== '>') {
    converterName = first;
    if (rule[j] === '(') {
      const close = closingParen(rule, j);
      if (close === -1) fail(`unclosed "(" at offset ${j}`);
      argsText = rule.slice(j + 1, close);
      j = close + 1;
    }
    if (rule[j] !== ':') fail(`bad variable at offset ${start}: ${syntax}`);
    const nameEnd = identifierEnd(rule, j + 1);
    if (nameEnd === j + 1 || rule[nameEnd] !== '>') fail(`bad variable at offset ${start}: ${syntax}`);
    name = rule.slice(j + 1, nameEnd);
    j = nameEnd;
  }
  if (name === '__proto__') fail('"__proto__" cannot be a variable name');
  const factory = converters.get(converterName);
  if (factory === undefined) {
    fail(`unknown converter "${converterName}" (known: ${[...converters.keys()].join(', ')})`);
  }
  let args = EMPTY_ARGS;
  if (argsText !== undefined) {
    try {
      args = parseConverterArgs(argsText);
    } catch (err) {
      fail(`bad arguments for ${converterName}(): ${(err as Error).message}`, err);
    }
  }
  let converter: unknown;
  try {
    converter = factory!(args);
  } catch (err) {
    fail(`converter ${converterName}(${argsText ?? ''}): ${(err as Error).message}`, err);
  }
  if (!isConverter(converter)) fail(`converter "${converterName}" did not return { toValue, toUrl }`);
  const argsKey = JSON.stringify([args.positional, Object.entries(args.keyword).sort(([a], [b]) => (a < b ? -1 : 1))]);
  return [{ kind: 'variable', name, converterName, args, argsKey, converter: converter as Converter }, j + 1];
}

function identifierEnd(rule: string, i: number): number {
  let j = i;
  while (j < rule.length) {
    const c = rule.charCodeAt(j);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
    if (!(letter || (j > i && c >= 48 && c <= 57))) break;
    j++;
  }
  return j;
}

/** The `)` closing the `(` at `open`, skipping quoted strings; -1 when unclosed. */
function closingParen(rule: string, open: number): number {
  let quote = '';
  for (let k = open + 1; k < rule.length; k++) {
    const c = rule[k]!;
    if (quote !== '') {
      if (c === '\\') k++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === ')') {
      return k;
    }
  }
  return -1;
}
