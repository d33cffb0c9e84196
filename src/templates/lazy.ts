/**
 * Entry points of the template layer that load LiquidJS only when first used, so an app without
 * templates (an API) does not carry it in memory.
 * @module
 */
import type { SandboxLimits } from './sandbox.ts';
import type { TemplateEngine, TemplateEngineOptions } from './engine.ts';

/**
 * Renders a user-supplied template in the sandbox: no file or prototype access, no globals,
 * auto-escaped output, and limits on source size (64 KiB), render time (100 ms) and output
 * (256 KiB) by default.
 *
 * @example
 * const html = await renderSandboxed('Hello {{ user.name }}', { user: { name: '<b>x</b>' } });
 * @throws {SandboxError} with a stable `code` when the template breaks a limit, is malformed, or
 *   uses a forbidden tag; the message is safe to show the template's author
 * @throws {TypeError} when `context` holds something that is not plain data (functions, class instances)
 */
export async function renderSandboxed(source: string, context: Record<string, unknown>, limits?: SandboxLimits): Promise<string> {
  const sandbox = await import('./sandbox.ts');
  return sandbox.renderSandboxed(source, context, limits);
}

/** Creates the app's file-template engine, loading LiquidJS on first use. */
export async function createTemplateEngine(options: TemplateEngineOptions): Promise<TemplateEngine> {
  const { TemplateEngine } = await import('./engine.ts');
  return new TemplateEngine(options);
}
