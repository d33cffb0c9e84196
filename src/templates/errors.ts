// Errors of the template layer. The walk over LiquidJS's error chains lives in liquid-errors.ts,
// so importing these classes does not load LiquidJS.
import { PhialError } from '../errors/phial-error.ts';

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
export class TemplateError extends PhialError {
  /** Stable machine-readable code. */
  declare readonly code: TemplateErrorCode;
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
    super(code, message, { cause: options.cause });
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
export class SandboxError extends PhialError {
  /** Stable machine-readable code. */
  declare readonly code: SandboxErrorCode;
  /** 1-based line of the offending tag or output, when known. */
  readonly line: number | undefined;
  /** 1-based column of the offending tag or output, when known. */
  readonly column: number | undefined;

  constructor(
    code: SandboxErrorCode,
    message: string,
    options: { cause?: unknown; line?: number; column?: number } = {},
  ) {
    super(code, message, { cause: options.cause });
    this.line = options.line;
    this.column = options.column;
  }
}
