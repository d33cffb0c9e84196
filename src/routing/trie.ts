/**
 * The segment trie `UrlMap` matches against (internal).
 *
 * Matching is a depth-first walk that is linear in the path length for a fixed set of rules:
 * - each node is reached at one fixed segment index (except below a `path` edge, see below), so a
 *   walk visits every node at most once and calls each converter on one segment;
 * - a segment with several variables is split deterministically: each variable ends at the
 *   first occurrence of the static text after it, the last one at the static suffix, if any;
 * - a rule has at most one `path` variable and a fixed number of segments after it, so the
 *   segments a `path` edge consumes are fixed by counting from the end: no split is searched.
 *
 * Priority at each segment: the static child (a Map lookup), then converter edges — the ones
 * with more static text in the segment first (`<a>-<b>-<c>` before `<a>-<b>` before `<a>`, as
 * Werkzeug orders rules by their static weight), in the order they were first registered among
 * equals — then `path` edges (longer tails first).
 *
 * @module
 */
import { NO_MATCH } from './converter.ts';
import type { Converter } from './converter.ts';
import type { SegmentBuffer } from './path.ts';
import type { RulePart, RuleSegment, StaticPart } from './rule.ts';

/** What the trie needs to know about a rule ending at a node. */
export interface Terminal {
  readonly methods: ReadonlySet<string>;
  readonly strictSlashes: boolean;
}

export class TrieNode<E extends Terminal> {
  static: Map<string, TrieNode<E>> | null = null;
  readonly dynamic: DynamicEdge<E>[] = [];
  readonly paths: PathEdge<E>[] = [];
  /** Rules ending here without a trailing slash, in registration order. */
  readonly exact: E[] = [];
  /** Rules ending here with a trailing slash. */
  readonly slash: E[] = [];
}

interface DynamicEdge<E extends Terminal> {
  readonly key: string;
  /** Set when the segment is a single variable (the common case, no splitting). */
  readonly converter: Converter | null;
  readonly parts: readonly RulePart[];
  readonly node: TrieNode<E>;
}

interface PathEdge<E extends Terminal> {
  readonly key: string;
  readonly converter: Converter;
  /** Numbers of rule segments after the path variable, largest first. */
  readonly tails: number[];
  readonly node: TrieNode<E>;
}

/** Adds a rule's segments to the trie and records `entry` at the node where they end. */
export function insert<E extends Terminal>(
  root: TrieNode<E>,
  segments: readonly RuleSegment[],
  trailingSlash: boolean,
  entry: E,
): void {
  let node = root;
  for (let k = 0; k < segments.length; k++) {
    const { parts, spansSegments } = segments[k]!;
    const first = parts[0]!;
    if (parts.length === 1 && first.kind === 'static') {
      node.static ??= new Map();
      let child = node.static.get(first.text);
      if (child === undefined) node.static.set(first.text, (child = new TrieNode()));
      node = child;
    } else if (spansSegments && first.kind === 'variable') {
      const key = segmentKey(parts);
      let edge = node.paths.find((e) => e.key === key);
      if (edge === undefined) {
        edge = { key, converter: first.converter, tails: [], node: new TrieNode() };
        node.paths.push(edge);
      }
      const tail = segments.length - k - 1;
      if (!edge.tails.includes(tail)) edge.tails.push(tail);
      edge.tails.sort((a, b) => b - a);
      node = edge.node;
    } else {
      const key = segmentKey(parts);
      let edge = node.dynamic.find((e) => e.key === key);
      if (edge === undefined) {
        const converter = parts.length === 1 && first.kind === 'variable' ? first.converter : null;
        edge = { key, converter, parts, node: new TrieNode() };
        insertBySpecificity(node.dynamic, edge);
      }
      node = edge.node;
    }
  }
  (trailingSlash ? node.slash : node.exact).push(entry);
}

function staticWeight(parts: readonly RulePart[]): number {
  let n = 0;
  for (const p of parts) if (p.kind === 'static') n += p.text.length;
  return n;
}

/** Inserts after every edge at least as specific, so equals keep registration order. */
function insertBySpecificity<E extends Terminal>(edges: DynamicEdge<E>[], edge: DynamicEdge<E>): void {
  const w = staticWeight(edge.parts);
  let i = edges.length;
  while (i > 0 && staticWeight(edges[i - 1]!.parts) < w) i--;
  edges.splice(i, 0, edge);
}

/** Equal keys mean the same converters, arguments, names and static text, so edges can be shared. */
export function segmentKey(parts: readonly RulePart[], withNames = true): string {
  let key = '';
  for (const p of parts) {
    key += p.kind === 'static' ? JSON.stringify(p.text) : `<${p.converterName}${p.argsKey}${withNames ? ':' + p.name : ''}>`;
  }
  return key;
}

/** Returned by {@link walk} when the path matches a strict-slash rule once `/` is appended. */
export const SLASH_REDIRECT: unique symbol = Symbol('phial.routing.SLASH_REDIRECT');

/**
 * The state of one walk. `UrlMap` reuses one instance across requests (matching is synchronous;
 * `busy` catches re-entry from a converter), so arrays are filled by index up to a count instead
 * of being reallocated: entries past the count are stale.
 */
export class Walk<E extends Terminal> implements SegmentBuffer {
  readonly segments: string[] = [];
  count = 0;
  plain = true;
  readonly values: unknown[] = [];
  valueCount = 0;
  trailingSlash = false;
  method = '';
  /** Record every rule matching the path and never stop early (for OPTIONS' Allow list). */
  collectAll = false;
  /** Rules that matched the path but not the method (or all, with `collectAll`). */
  recorded: E[] | null = null;
  busy = false;

  reset(method: string, collectAll: boolean): this {
    this.count = 0;
    this.valueCount = 0;
    this.trailingSlash = false;
    this.method = method;
    this.collectAll = collectAll;
    this.recorded = null;
    return this;
  }
}

/**
 * Finds the first rule, in priority order, that matches `w.segments` from index `i` and accepts
 * the method (OPTIONS is accepted by every rule: Flask answers it automatically).
 */
export function walk<E extends Terminal>(w: Walk<E>, node: TrieNode<E>, i: number): E | typeof SLASH_REDIRECT | null {
  const count = w.count;
  if (i === count) return terminal(w, node);
  const segments = w.segments;
  const segment = segments[i]!;
  if (node.static !== null) {
    const child = node.static.get(segment);
    if (child !== undefined) {
      const found = walk(w, child, i + 1);
      if (found !== null) return found;
    }
  }
  const dynamic = node.dynamic;
  const paths = node.paths;
  if ((dynamic.length === 0 && paths.length === 0) || (!w.plain && !isPlain(segment))) return null;
  const mark = w.valueCount;
  for (let k = 0; k < dynamic.length; k++) {
    const edge = dynamic[k]!;
    if (edge.converter !== null) {
      const value = edge.converter.toValue(segment);
      if (value === NO_MATCH) continue;
      w.values[w.valueCount++] = value;
    } else if (!matchParts(segment, edge.parts, w)) {
      w.valueCount = mark;
      continue;
    }
    const found = walk(w, edge.node, i + 1);
    if (found !== null) return found;
    w.valueCount = mark;
  }
  for (let k = 0; k < paths.length; k++) {
    const edge = paths[k]!;
    for (const tail of edge.tails) {
      const end = count - tail;
      if (end <= i) continue;
      let text = segment;
      let plain = true;
      for (let s = i + 1; s < end && plain; s++) {
        plain = w.plain || isPlain(segments[s]!);
        text += '/' + segments[s]!;
      }
      if (!plain) continue;
      const value = edge.converter.toValue(text);
      if (value === NO_MATCH) continue;
      w.values[w.valueCount++] = value;
      const found = walk(w, edge.node, end);
      if (found !== null) return found;
      w.valueCount = mark;
    }
  }
  return null;
}

/** Werkzeug's end-of-path checks: exact rules, then the trailing-slash alternative. */
function terminal<E extends Terminal>(w: Walk<E>, node: TrieNode<E>): E | typeof SLASH_REDIRECT | null {
  if (!w.trailingSlash) {
    for (let k = 0; k < node.exact.length; k++) if (accepts(w, node.exact[k]!)) return node.exact[k]!;
    for (const e of node.slash) {
      if (!e.strictSlashes) {
        if (accepts(w, e)) return e;
      } else if (!w.collectAll && (e.methods.has(w.method) || w.method === 'OPTIONS')) {
        return SLASH_REDIRECT;
      }
    }
  } else {
    for (const e of node.slash) if (accepts(w, e)) return e;
    for (const e of node.exact) if (!e.strictSlashes && accepts(w, e)) return e;
  }
  return null;
}

function accepts<E extends Terminal>(w: Walk<E>, e: E): boolean {
  if (!w.collectAll && (e.methods.has(w.method) || w.method === 'OPTIONS')) return true;
  (w.recorded ??= []).push(e);
  return false;
}

/** A segment that may reach a converter: its decoded text holds no `/` or `\`. */
function isPlain(segment: string): boolean {
  return !segment.includes('/') && !segment.includes('\\');
}

/**
 * Matches a segment with several parts (`<a>-<b>`, `v<int:n>`, `<name>.json`) without
 * backtracking: a variable followed by more variables ends at the first occurrence of the
 * static text after it (at least one character in); the last variable takes the rest, up to the
 * final static suffix if there is one. Variables are never empty.
 */
function matchParts<E extends Terminal>(segment: string, parts: readonly RulePart[], w: Walk<E>): boolean {
  let pos = 0;
  const last = parts.length - 1;
  for (let k = 0; k <= last; k++) {
    const part = parts[k]!;
    if (part.kind === 'static') {
      if (!segment.startsWith(part.text, pos)) return false;
      pos += part.text.length;
      continue;
    }
    let end = segment.length;
    if (k < last) {
      const next = (parts[k + 1] as StaticPart).text;
      end = k + 1 === last ? segment.length - next.length : segment.indexOf(next, pos + 1);
    }
    if (end <= pos) return false;
    const value = part.converter.toValue(segment.slice(pos, end));
    if (value === NO_MATCH) return false;
    w.values[w.valueCount++] = value;
    pos = end;
  }
  return pos === segment.length;
}
