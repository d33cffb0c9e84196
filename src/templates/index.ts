// The template layer: the app's file templates (TemplateEngine) and the sandbox for
// user-supplied templates (renderSandboxed).
export { TemplateEngine } from './engine.ts';
export type { AddFilterOptions, TemplateEngineOptions, TemplateFilter } from './engine.ts';
export type { RenderHelpers } from './helpers.ts';
export { renderSandboxed, DEFAULT_SANDBOX_LIMITS } from './sandbox.ts';
export type { SandboxLimits } from './sandbox.ts';
export { TemplateError, SandboxError } from './errors.ts';
export type { SandboxErrorCode, TemplateErrorCode, TemplateLocation } from './errors.ts';
export { toPlainData } from './plain-data.ts';
export type { PlainData } from './plain-data.ts';
