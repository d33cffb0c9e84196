/**
 * Content-Security-Policy: the default strict nonce policy, directive validation (CSP3 grammar)
 * and serialisation into the parts the per-response nonce is joined with.
 *
 * @module
 */
import { cspError } from './validate.ts';
import { quote as show } from '../util/quote.ts';
import { cspSourceKind } from './csp-source.ts';

/**
 * CSP directives by name, each a list of source expressions exactly as they appear in the
 * header (`"'self'"`, `"https://cdn.example"`, `"data:"`). The placeholder `"'nonce'"`
 * stands for the per-response nonce. A directive set to `false` removes that directive from
 * the defaults; an empty list writes a valueless directive (`upgrade-insecure-requests`).
 *
 * @example { 'img-src': ["'self'", 'https://img.example'], 'form-action': false }
 */
export type CspDirectives = Record<string, readonly string[] | false>;

// Frozen to the leaves: a caller mutating a default array must not weaken every app's policy.
function deepFreeze<T extends Record<string, readonly string[]>>(o: T): T {
  for (const v of Object.values(o)) Object.freeze(v);
  return o;
}

/** The default HTML policy; `'nonce'` marks where the per-response nonce goes. */
export const DEFAULT_CSP: Readonly<Record<string, readonly string[]>> = Object.freeze(deepFreeze({
  'default-src': ["'self'"],
  'script-src': ["'nonce'", "'strict-dynamic'"],
  'style-src': ["'self'", "'nonce'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
}));

// Static policy for responses that are not HTML documents (JSON, text, files).
const NON_HTML_CSP: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['default-src', ["'none'"]], ['frame-ancestors', ["'none'"]], ['base-uri', ["'none'"]],
];

// Keywords written without their quotes are host-sources naming a host called "self" etc.
const BARE_KEYWORDS = new Set(['self', 'none', 'unsafe-inline', 'unsafe-eval', 'strict-dynamic',
  'unsafe-hashes', 'report-sample', 'wasm-unsafe-eval', 'nonce']);
const SOURCE_LIST_NAMES = new Set(['script-src-elem', 'script-src-attr', 'style-src-elem',
  'style-src-attr', 'base-uri', 'form-action', 'frame-ancestors', 'navigate-to']);
const NONCE_DIRECTIVES = new Set(['default-src', 'script-src', 'script-src-elem', 'style-src', 'style-src-elem']);
const SCRIPT_DIRECTIVES = ['script-src', 'script-src-elem', 'script-src-attr'];

const NONCE_PLACEHOLDER = "'nonce'";
const DIRECTIVE_NAME = /^[a-z0-9-]+$/; // CSP3 §2.3: 1*( ALPHA / DIGIT / "-" ), lower-cased
const DIRECTIVE_TOKEN = /^[\x21-\x2B\x2D-\x3A\x3C-\x7E]+$/; // VCHAR minus ";" and ","
export const BASE64_VALUE = /^[A-Za-z0-9+/_-]+={0,2}$/;
const isSourceList = (name: string): boolean => name.endsWith('-src') || SOURCE_LIST_NAMES.has(name);

/** Merges user directives over the defaults (CSP grammar checked), in the default order. */
function resolveCsp(user: CspDirectives | undefined): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>(Object.entries(DEFAULT_CSP));
  const seen = new Set<string>();
  for (const [rawName, sources] of Object.entries(user ?? {})) {
    const name = rawName.toLowerCase();
    if (!DIRECTIVE_NAME.test(name)) throw cspError(`directive name ${show(rawName)} is not CSP grammar (letters, digits, "-")`);
    if (seen.has(name)) throw cspError(`directive "${name}" is given twice`);
    seen.add(name);
    if (sources === false) { out.delete(name); continue; }
    if (!Array.isArray(sources)) throw cspError(`directive "${name}" must be an array of sources or false`);
    out.set(name, checkSources(name, sources as readonly unknown[]));
  }
  return out;
}

function checkSources(name: string, sources: readonly unknown[]): readonly string[] {
  const where = `directive "${name}"`;
  const list = isSourceList(name);
  if (list && sources.length === 0) throw cspError(`${where} has no sources; write ["'none'"] to allow nothing`);
  for (const s of sources) {
    if (typeof s !== 'string' || !DIRECTIVE_TOKEN.test(s)) {
      throw cspError(`${where}: source ${show(s)} is not one CSP token (printable ASCII, no space, ";" or ",")`);
    }
    if (!list) continue;
    const lower = s.toLowerCase();
    if (BARE_KEYWORDS.has(lower)) throw cspError(`${where}: source ${show(s)} needs single quotes ("'${lower}'")`);
    if (lower === NONCE_PLACEHOLDER) {
      if (!NONCE_DIRECTIVES.has(name)) throw cspError(`${where}: "'nonce'" only works in script and style directives`);
    } else if (lower.startsWith("'nonce-")) {
      throw cspError(`${where}: fixed nonce ${show(s)}; a nonce must be new per response, write "'nonce'"`);
    } else {
      const kind = cspSourceKind(s);
      if (kind === undefined) {
        throw cspError(s.startsWith("'") && s.endsWith("'") && s.length > 2
          ? `${where}: unknown quoted source ${show(s)}`
          : `${where}: source ${show(s)} is not a CSP source expression (a scheme "https:", a host "https://cdn.example", ` +
            `a quoted keyword "'self'", "'nonce'" or a hash "'sha256-…'"; W3C CSP3 §2.3.1)`);
      }
      // CSP3 §6.4.2: frame-ancestors takes only scheme and host sources, 'self' and 'none'.
      if (name === 'frame-ancestors' && (kind === 'hash' || (kind === 'keyword' && lower !== "'self'"))) {
        throw cspError(`${where}: source ${show(s)} has no meaning here; use scheme or host sources, "'self'" or "'none'"`);
      }
    }
    if (lower === "'none'" && sources.length > 1) throw cspError(`${where}: "'none'" must be the only source`);
  }
  return Object.freeze([...sources] as string[]);
}

function assertNoInlineScript(csp: Map<string, readonly string[]>, allowed: boolean): void {
  if (allowed) return;
  // default-src governs scripts only when no script-src is present (CSP3 §6.8.3 fallback).
  const names = csp.has('script-src') ? SCRIPT_DIRECTIVES : [...SCRIPT_DIRECTIVES, 'default-src'];
  for (const name of names) {
    if (csp.get(name)?.some((s) => s.toLowerCase() === "'unsafe-inline'")) {
      throw cspError(`directive "${name}" contains "'unsafe-inline'", which lets injected inline script run; ` +
        'use "\'nonce\'" on your script tags, or set allowUnsafeInlineScript: true to accept the risk');
    }
  }
}

/** Serialises directives; the nonce placeholder becomes a NUL marker (NUL cannot pass validation). */
function serializeCsp(directives: Iterable<readonly [string, readonly string[]]>): string {
  const parts: string[] = [];
  for (const [name, sources] of directives) {
    const values = sources.map((s) => (s.toLowerCase() === NONCE_PLACEHOLDER ? "'nonce-\0'" : s));
    parts.push(values.length > 0 ? `${name} ${values.join(' ')}` : name);
  }
  return parts.join('; ');
}

/** A compiled policy: the HTML value split around nonce slots, and the non-HTML value. */
export interface CompiledCsp {
  /** `content-security-policy` or `content-security-policy-report-only`. */
  readonly headerName: string;
  /** The HTML policy split where the nonce goes; null when CSP is off. */
  readonly htmlParts: readonly string[] | null;
  /** The policy for non-HTML responses; null when CSP is off. */
  readonly staticCsp: string | null;
}

/** The CSP part of `SecurityHeaderOptions` (documented there), declared here so headers.ts imports this module, not the reverse. */
export interface CspOptions {
  contentSecurityPolicy?: CspDirectives | false;
  contentSecurityPolicyReportOnly?: boolean;
  allowUnsafeInlineScript?: boolean;
}

/**
 * Validates and serialises the CSP options.
 * @throws {TypeError} naming the directive or value that is not CSP grammar, or unsafe inline script
 */
export function compileCsp(o: CspOptions): CompiledCsp {
  const reportOnly = o.contentSecurityPolicyReportOnly ?? false;
  if (typeof reportOnly !== 'boolean') throw cspError('contentSecurityPolicyReportOnly must be a boolean');
  const cspHeaderName = reportOnly ? 'content-security-policy-report-only' : 'content-security-policy';
  let htmlParts: readonly string[] | null = null;
  let staticCsp: string | null = null;
  if (o.contentSecurityPolicy !== false) {
    if (o.contentSecurityPolicy !== undefined && (typeof o.contentSecurityPolicy !== 'object' || o.contentSecurityPolicy === null)) {
      throw cspError(`${show(o.contentSecurityPolicy)} must be an object of directives or false`);
    }
    const csp = resolveCsp(o.contentSecurityPolicy);
    assertNoInlineScript(csp, o.allowUnsafeInlineScript === true);
    if (csp.size === 0) throw cspError('every directive was removed; set contentSecurityPolicy: false to send none');
    htmlParts = Object.freeze(serializeCsp(csp).split('\0'));
    // Non-HTML: run nothing, but keep the app's framing and reporting choices.
    const nonHtml = new Map(NON_HTML_CSP);
    const fa = csp.get('frame-ancestors');
    if (fa === undefined) nonHtml.delete('frame-ancestors'); else nonHtml.set('frame-ancestors', fa);
    for (const r of ['report-uri', 'report-to']) { const v = csp.get(r); if (v !== undefined) nonHtml.set(r, v); }
    staticCsp = serializeCsp(nonHtml);
  }
  return { headerName: cspHeaderName, htmlParts, staticCsp };
}
