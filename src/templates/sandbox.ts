// Rendering of user-supplied Liquid (e.g. an email template a tenant edits): a separate Liquid
// instance with no file system, no globals, no app filters, auto-escaping and strict limits.
import { Context, Liquid, LiquidError, toPromise } from 'liquidjs';
import { SandboxError } from './errors.ts';
import { bareLiquidMessage, errorChain, findInChain, liquidPosition } from './liquid-errors.ts';
import { escapeOutput, registerEscapeFiltersAsRaw } from './escape.ts';
import { toPlainData } from './plain-data.ts';
import {
  BoundedEmitter,
  ForbiddenTagError,
  NO_FILE_SYSTEM,
  OutputLimitError,
  chargeInternalBuffers,
  checkDeadlineInFilters,
  forbidFileTags,
} from './sandbox-guards.ts';

/** Limits of one {@link renderSandboxed} call; every field is optional and positive. */
export interface SandboxLimits {
  /** Largest accepted template source, in UTF-8 bytes. Default 65 536 (64 KiB). Also LiquidJS's `parseLimit`. */
  maxSourceBytes?: number;
  /**
   * Render time budget in milliseconds, checked cooperatively (before each tag/output, each
   * loop iteration and each item an array filter visits). Default 100. A single synchronous
   * step (e.g. `sort_natural` on an array as large as `memoryLimit` allows) can overrun it;
   * see the module notes in sandbox-guards.ts.
   */
  timeoutMs?: number;
  /** Largest output, in UTF-8 bytes. Default 262 144 (256 KiB). */
  maxOutputBytes?: number;
  /**
   * LiquidJS `memoryLimit`: a running total, over the whole render, of characters and array
   * elements allocated by ranges (`(1..n)` costs n), allocating filters (`append`, `split`,
   * `join`, `sort`, …) and `{% capture %}`. Not bytes of heap. Default 250 000: ample for an
   * email, and it caps the arrays a template can build, which bounds the slowest synchronous
   * steps (sorting ~120 000 items takes ~150–300 ms) that the time check cannot interrupt.
   */
  memoryLimit?: number;
}

/** The defaults of {@link SandboxLimits}. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<Required<SandboxLimits>> = Object.freeze({
  maxSourceBytes: 64 * 1024,
  timeoutMs: 100,
  maxOutputBytes: 256 * 1024,
  memoryLimit: 250_000,
});

// LiquidJS reports its limits as AssertionErrors with these fixed messages (liquidjs 10.30.1,
// src/util/limiter.ts); the sandbox tests pin each one to its SandboxError code.
const LIQUID_TIME_LIMIT = 'template render limit exceeded';
const LIQUID_MEMORY_LIMIT = 'memory alloc limit exceeded';
const LIQUID_PARSE_LIMIT = 'parse length limit exceeded';

/**
 * Renders an untrusted Liquid template against `context`.
 *
 * - Output is HTML-escaped like the file engine's (`{{ x | raw }}` opts out); only own
 *   properties are readable, so `{{ x.constructor }}` and `{{ x.__proto__ }}` render empty.
 * - `context` is deep-copied into plain data first (see `toPlainData`): the template can
 *   neither call app code nor modify the caller's objects.
 * - No file system: `include`, `render` and `layout` fail to parse. No globals, no app filters;
 *   all standard Liquid filters, and unknown filters are a syntax error.
 * - What it does not do: sanitize the author's own markup. Literal HTML in `source`
 *   (`<script>…`) is output as written; escaping protects against the *data*. Treat the result
 *   as content written by the author (fine for an email body; a page needs a sanitizer or a
 *   sandboxed frame).
 *
 * @param source The template text.
 * @param context Template variables: strings, numbers, booleans, null, arrays, plain objects,
 *   Dates (rendered as ISO-8601 strings).
 * @param limits Overrides of {@link DEFAULT_SANDBOX_LIMITS}.
 * @returns The rendered text.
 * @throws {SandboxError} when the template breaks a rule or a limit; its message is meant for
 *   the template's author. Codes: `PHIAL_E_SANDBOX_SOURCE`, `…_SYNTAX`, `…_FORBIDDEN`,
 *   `…_TIMEOUT`, `…_OUTPUT` (output or memory limit).
 * @throws {TypeError} when `context` holds something other than plain data, or a limit is not
 *   a positive number (mistakes of the app, not of the author).
 *
 * @example
 * ```ts
 * try {
 *   const body = await renderSandboxed(tenant.welcomeEmail, { user: { name: user.name } });
 * } catch (err) {
 *   if (err instanceof SandboxError) return showToAuthor(err.code, err.message, err.line);
 *   throw err;
 * }
 * ```
 */
export async function renderSandboxed(
  source: string,
  context: Record<string, unknown>,
  limits: SandboxLimits = {},
): Promise<string> {
  const { maxSourceBytes, timeoutMs, maxOutputBytes, memoryLimit } = resolveLimits(limits);
  if (typeof source !== 'string') throw new TypeError('renderSandboxed: `source` must be a string');
  const data = toPlainData(context);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new TypeError('renderSandboxed: `context` must be a plain object');
  }

  // Length first: a string of n code units is at least n UTF-8 bytes, so a huge source is
  // refused without encoding it.
  const sourceBytes = source.length > maxSourceBytes ? source.length : Buffer.byteLength(source, 'utf8');
  if (sourceBytes > maxSourceBytes) {
    throw new SandboxError(
      'PHIAL_E_SANDBOX_SOURCE',
      `The template is too large; the limit is ${maxSourceBytes} bytes.`,
    );
  }

  const liquid = sandboxLiquid(maxSourceBytes);
  const limitsInForce = { timeoutMs, maxOutputBytes, memoryLimit, maxSourceBytes };
  let templates;
  try {
    templates = liquid.parse(source);
  } catch (err) {
    throw toSandboxError(err, limitsInForce);
  }
  // The Context is created after parsing, so the time budget covers rendering only; parsing is
  // bounded by the source size.
  const ctx = new Context(
    data,
    liquid.options,
    { renderLimit: timeoutMs, memoryLimit, ownPropertyOnly: true, globals: {} },
    { liquid },
  );
  const emitter = new BoundedEmitter(maxOutputBytes);
  try {
    await toPromise(liquid.renderer.renderTemplates(templates, ctx, emitter));
  } catch (err) {
    throw toSandboxError(err, limitsInForce);
  }
  return emitter.buffer;
}

function resolveLimits(limits: SandboxLimits): Required<SandboxLimits> {
  const out = { ...DEFAULT_SANDBOX_LIMITS };
  for (const key of Object.keys(DEFAULT_SANDBOX_LIMITS) as (keyof SandboxLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
      throw new TypeError(`renderSandboxed: limits.${key} must be a positive number, got ${String(value)}`);
    }
    out[key] = value;
  }
  return out;
}

// One Liquid instance per parse limit (LiquidJS reads `parseLimit` from the instance options);
// nearly every app uses one. Instances hold no per-render state: that lives in the Context.
const instances = new Map<number, Liquid>();
const MAX_INSTANCES = 8;

function sandboxLiquid(parseLimit: number): Liquid {
  let liquid = instances.get(parseLimit);
  if (liquid !== undefined) return liquid;
  liquid = new Liquid({
    fs: NO_FILE_SYSTEM,
    root: [],
    partials: [],
    layouts: [],
    relativeReference: false,
    cache: false,
    globals: {},
    outputEscape: escapeOutput,
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: false,
    parseLimit,
  });
  registerEscapeFiltersAsRaw(liquid);
  forbidFileTags(liquid);
  chargeInternalBuffers(liquid);
  checkDeadlineInFilters(liquid);
  if (instances.size < MAX_INSTANCES) instances.set(parseLimit, liquid);
  return liquid;
}

/** Maps what LiquidJS or our guards threw to a SandboxError with a message for the author. */
function toSandboxError(err: unknown, limits: Required<SandboxLimits>): SandboxError {
  const pos = liquidPosition(err);
  const at = pos ? { line: pos.line, column: pos.column } : {};
  const where = pos ? ` (line ${pos.line}, column ${pos.column})` : '';
  const make = (code: SandboxError['code'], message: string): SandboxError =>
    new SandboxError(code, message, { cause: err, ...at });

  const forbidden = findInChain(err, ForbiddenTagError);
  if (forbidden) {
    return make('PHIAL_E_SANDBOX_FORBIDDEN', `The "${forbidden.tagName}" tag is not allowed in this template${where}.`);
  }
  if (findInChain(err, OutputLimitError)) {
    return make('PHIAL_E_SANDBOX_OUTPUT', `The template output is too large; the limit is ${limits.maxOutputBytes} bytes${where}.`);
  }
  const messages = errorChain(err).map((e) => (e instanceof Error ? e.message : ''));
  if (messages.includes(LIQUID_TIME_LIMIT)) {
    return make('PHIAL_E_SANDBOX_TIMEOUT', `The template took too long to render; the limit is ${limits.timeoutMs} ms${where}.`);
  }
  if (messages.includes(LIQUID_MEMORY_LIMIT) || errorChain(err).some(isStringTooLong)) {
    return make('PHIAL_E_SANDBOX_OUTPUT', `The template builds too much data; the limit is ${limits.memoryLimit} characters or items${where}.`);
  }
  if (messages.includes(LIQUID_PARSE_LIMIT)) {
    return make('PHIAL_E_SANDBOX_SOURCE', `The template is too large; the limit is ${limits.maxSourceBytes} characters.`);
  }
  if (errorChain(err).some(isStackOverflow)) {
    return make('PHIAL_E_SANDBOX_SYNTAX', 'The template is nested too deeply.');
  }
  const kind = LiquidError.is(err) && err.name !== 'RenderError' ? 'Syntax error' : 'Template error';
  return make('PHIAL_E_SANDBOX_SYNTAX', `${kind}: ${bareLiquidMessage(err)}${where}`);
}

function isStringTooLong(e: unknown): boolean {
  return e instanceof RangeError && e.message === 'Invalid string length';
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && e.message.startsWith('Maximum call stack size exceeded');
}
