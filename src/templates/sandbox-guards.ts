// The pieces that harden the sandbox's Liquid instance beyond LiquidJS's own options.
//
// LiquidJS's limits are cooperative: `renderLimit` (time) is checked only when a list of
// templates starts rendering (each loop iteration, each branch), and `memoryLimit` is charged
// only by ranges and filters that allocate. Measured on 10.30.1, three gaps matter here:
//  - `{% capture %}` renders into its own buffer that nothing charges, so
//    `{% capture x %}{{ x | raw }}{{ x | raw }}{% endcapture %}` in a loop doubles a string
//    until V8 gives up; we charge every write into such internal buffers to `memoryLimit`.
//  - filters that walk an array item by item (`group_by`, `where`, `map`, `find`, …) never look
//    at the clock: `group_by` over 100 000 items ran 2.5 s with a 100 ms limit. They are
//    generators yielding once per item, so we wrap them to check the deadline at each yield.
//  - nothing bounds the final output; our emitter counts its bytes and stops at the limit.
import { performance } from 'node:perf_hooks';
import { Tag } from 'liquidjs';
import type { Context, Emitter, FS, Liquid, TagToken, TopLevelToken } from 'liquidjs';
import { liquidString } from './escape.ts';
import type { FilterHandler, FilterImpl } from './liquid-types.ts';

/** The rendered output grew past the byte limit. */
export class OutputLimitError extends Error {
  override readonly name = 'OutputLimitError';
  constructor(readonly maxBytes: number) {
    super(`output limit of ${maxBytes} bytes exceeded`);
  }
}

/** The template used a tag that needs the file system. */
export class ForbiddenTagError extends Error {
  override readonly name = 'ForbiddenTagError';
  constructor(readonly tagName: string) {
    super(`the "${tagName}" tag is not allowed in sandboxed templates`);
  }
}

/** Collects the top-level output and throws {@link OutputLimitError} past `maxBytes` UTF-8 bytes. */
export class BoundedEmitter implements Emitter {
  buffer = '';
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  write(html: unknown): void {
    const text = liquidString(html);
    const room = this.maxBytes - this.#bytes;
    // A UTF-16 code unit never encodes to fewer than one UTF-8 byte, so the length alone
    // rejects a huge (possibly still rope-shaped) string without flattening it.
    if (text.length > room) throw new OutputLimitError(this.maxBytes);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > room) throw new OutputLimitError(this.maxBytes);
    this.#bytes += bytes;
    this.buffer += text;
  }
}

/** Buffer for renders LiquidJS does into a string (`capture`); every write is charged to memory. */
class ChargingEmitter implements Emitter {
  buffer = '';
  constructor(private readonly context: Context) {}

  write(html: unknown): void {
    const text = liquidString(html);
    this.context.memoryLimit.use(text.length);
    this.buffer += text;
  }
}

/**
 * Makes every render LiquidJS starts without an emitter (i.e. into a string) use a
 * {@link ChargingEmitter}. Patches this instance's renderer only.
 */
export function chargeInternalBuffers(liquid: Liquid): void {
  const renderer = liquid.renderer;
  const renderTemplates = renderer.renderTemplates.bind(renderer);
  renderer.renderTemplates = (templates, ctx, emitter) =>
    renderTemplates(templates, ctx, emitter ?? new ChargingEmitter(ctx));
}

function isIterator(value: unknown): value is Iterator<unknown, unknown, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const it = value as { next?: unknown; throw?: unknown };
  return typeof it.next === 'function' && typeof it.throw === 'function';
}

function checkDeadline(context: Context): void {
  context.renderLimit.check(performance.now());
}

/** Forwards `inner` step by step (values, results and thrown errors), checking the deadline first. */
function* withDeadline(
  inner: Iterator<unknown, unknown, unknown>,
  context: Context,
): Generator<unknown, unknown, unknown> {
  let step = inner.next();
  while (step.done !== true) {
    checkDeadline(context);
    let sent: unknown;
    try {
      sent = yield step.value;
    } catch (err) {
      if (inner.throw === undefined) throw err;
      step = inner.throw(err);
      continue;
    }
    step = inner.next(sent);
  }
  return step.value;
}

/**
 * Wraps every filter registered on `liquid` so that it checks the render deadline when called
 * and, for generator filters, at every step. Call after all filters are registered.
 */
export function checkDeadlineInFilters(liquid: Liquid): void {
  for (const [name, impl] of Object.entries(liquid.filters)) {
    const handler: FilterHandler = typeof impl === 'function' ? impl : impl.handler;
    const raw = typeof impl === 'function' ? false : impl.raw;
    const guarded = function (this: FilterImpl, value: unknown, ...args: unknown[]): unknown {
      checkDeadline(this.context);
      const result: unknown = handler.call(this, value, ...args);
      return isIterator(result) ? withDeadline(result, this.context) : result;
    };
    liquid.registerFilter(name, { handler: guarded, raw });
  }
}

/** A tag that refuses to be parsed at all, so a forbidden tag fails before anything renders. */
class ForbiddenTag extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    throw new ForbiddenTagError(token.name);
  }

  render(): void {
    // never reached: the constructor throws
  }
}

/** Tags that read other templates through the file system. */
export const FILE_TAGS: readonly string[] = ['include', 'render', 'layout'];

/** Replaces `include`, `render` and `layout` with tags that throw {@link ForbiddenTagError}. */
export function forbidFileTags(liquid: Liquid): void {
  for (const name of FILE_TAGS) liquid.registerTag(name, ForbiddenTag);
}

/** A file system with no files: a second line behind {@link forbidFileTags}. */
export const NO_FILE_SYSTEM: FS = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: () => Promise.reject(new ForbiddenTagError('include')),
  readFileSync: () => {
    throw new ForbiddenTagError('include');
  },
  resolve: (_dir: string, file: string) => file,
  contains: () => Promise.resolve(false),
  containsSync: () => false,
};
