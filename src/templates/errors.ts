// Errors of the template layer, plus the walk over LiquidJS's error chains that both the file
// engine and the sandbox use to find out what really went wrong. LiquidJS wraps whatever a tag,
// filter or file system throws in a RenderError/ParseError (keeping it as `originalError`), so
// the interesting error is usually one or two links down.
import { LiquidError } from 'liquidjs';

/** Stable codes of {@link TemplateError}. */
export type TemplateErrorCode =
  /** The name is absolute, has `..`/`.`/empty segments, a backslash or NUL, or resolves outside every root. */
  | 'PHIAL_E_TEMPLATE_NAME'
  /** No root holds a file of that name. */
  | 'PHIAL_E_TEMPLATE_NOT_FOUND'
  /** The template (or a layout/partial it pulls in) does not parse. */
  | 'PHIAL_E_TEMPLATE_SYNTAX'
  /** Anything failing while rendering: a filter or `url_for` threw, a file could not be read, … */
  | 'PHIAL_E_TEMPLATE_RENDER';

/** Where in which template a {@link TemplateError} happened (1-based line and column). */
export interface TemplateLocation {
  /** Root-relative template name, e.g. `partials/nav.html` (never a file system path). */
  readonly templateName: string;
  readonly line: number;
  readonly column: number;
}

/**
 * Thrown by `TemplateEngine.render()` for every failure: refused name, missing template, syntax
 * error, or an error raised while rendering. The message names templates by their root-relative
 * names only, never by file system path, so it can be logged and shown in a debug page.
 * The underlying error (LiquidJS's, or what a filter threw) is kept as `cause`.
 */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  /** Stable machine-readable code. */
  readonly code: TemplateErrorCode;
  /** The name passed to `render()`. */
  readonly templateName: string;
  /** Where it failed, when LiquidJS knows (it may be a layout or partial of `templateName`). */
  readonly location: TemplateLocation | undefined;

  constructor(
    code: TemplateErrorCode,
    templateName: string,
    message: string,
    options: { cause?: unknown; location?: TemplateLocation } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.templateName = templateName;
    this.location = options.location;
  }
}

/** Stable codes of {@link SandboxError}. */
export type SandboxErrorCode =
  /** Render time exceeded `timeoutMs`. */
  | 'PHIAL_E_SANDBOX_TIMEOUT'
  /** Output exceeded `maxOutputBytes`, or the template allocated more than `memoryLimit`. */
  | 'PHIAL_E_SANDBOX_OUTPUT'
  /** The template source exceeded `maxSourceBytes`. */
  | 'PHIAL_E_SANDBOX_SOURCE'
  /** The template does not parse, or failed while rendering (bad filter arguments, …). */
  | 'PHIAL_E_SANDBOX_SYNTAX'
  /** The template uses a tag that needs the file system (`include`, `render`, `layout`). */
  | 'PHIAL_E_SANDBOX_FORBIDDEN';

/**
 * Thrown by `renderSandboxed()` when a user-supplied template breaks a rule or a limit.
 * The message is written for the template's author (e.g. a tenant editing an email) and is safe
 * to show them: it never contains file paths, stack traces or context data. LiquidJS's own
 * error is kept as `cause` for logs.
 */
export class SandboxError extends Error {
  override readonly name = 'SandboxError';
  /** Stable machine-readable code. */
  readonly code: SandboxErrorCode;
  /** 1-based line of the offending tag or output, when known. */
  readonly line: number | undefined;
  /** 1-based column of the offending tag or output, when known. */
  readonly column: number | undefined;

  constructor(
    code: SandboxErrorCode,
    message: string,
    options: { cause?: unknown; line?: number; column?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.line = options.line;
    this.column = options.column;
  }
}

/**
 * The chain of errors behind `err`: itself, then LiquidJS's `originalError` and standard `cause`
 * links (bounded, so a cyclic chain cannot hang us).
 */
export function errorChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 16 && !chain.includes(current)) {
    chain.push(current);
    if (LiquidError.is(current) && current.originalError !== undefined) current = current.originalError;
    else if (current instanceof Error) current = current.cause;
    else break;
  }
  return chain;
}

/** The first error in `err`'s chain that is an instance of `type`, if any. */
export function findInChain<T>(err: unknown, type: abstract new (...args: never[]) => T): T | undefined {
  for (const e of errorChain(err)) if (e instanceof type) return e;
  return undefined;
}

/** Where a LiquidJS error points: the template (as LiquidJS names it) and 1-based line/column. */
export interface LiquidPosition {
  readonly file: string | undefined;
  readonly line: number;
  readonly column: number;
}

/** The position of the outermost LiquidJS error in the chain (the innermost failing tag). */
export function liquidPosition(err: unknown): LiquidPosition | undefined {
  const liquidErr = errorChain(err).find((e): e is LiquidError => LiquidError.is(e));
  const token = liquidErr?.token;
  if (token === undefined) return undefined;
  const [line = 0, column = 0] = token.getPosition();
  return { file: token.file, line, column };
}

/**
 * LiquidJS's message without the `, file:…, line:…, col:…` suffix it appends (we report the
 * position separately, in our own words).
 */
export function bareLiquidMessage(err: unknown): string {
  const chain = errorChain(err);
  const liquidErr = chain.find((e): e is LiquidError => LiquidError.is(e));
  if (liquidErr === undefined) {
    const first = chain[0];
    return first instanceof Error ? first.message : String(first);
  }
  // The innermost error's own message is the cleanest; a LiquidError's message carries the suffix.
  const original = liquidErr.originalError;
  if (original !== undefined && !LiquidError.is(original)) return original.message;
  const pos = liquidPosition(liquidErr);
  let message = liquidErr.message;
  if (pos !== undefined) {
    const suffix = `${pos.file ? `, file:${pos.file}` : ''}, line:${pos.line}, col:${pos.column}`;
    if (message.endsWith(suffix)) message = message.slice(0, -suffix.length);
  }
  return message;
}
