/**
 * A template to render for the current request. `app.render()` returns one; Phial renders it when
 * it builds the response, with the request's CSP nonce and URL builder in scope, so views need no
 * request-local global state.
 * @module
 */
export class TemplateResult {
  constructor(
    /** Template name relative to the template folder, e.g. `notes/show.html`. */
    readonly name: string,
    /** Variables visible in the template (auto-escaped on output). */
    readonly context: Record<string, unknown>,
  ) {}
}
