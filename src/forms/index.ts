/**
 * Forms: `defineForm()` over any Standard Schema validator, and the HTML helpers the templates
 * use to render them.
 * @module
 */
export { defineForm, FIELD_TYPES } from './form.ts';
export type { FieldChoice, FieldHints, FieldType, Form, FormData, FormObject, FormOptions, FormResult, FormState } from './form.ts';
export { renderCsrfField, renderField, renderFormErrors, renderHiddenTag } from './render.ts';
export type { RenderFieldOptions } from './render.ts';
export { escapeHtml } from './html.ts';
export { CSRF_FIELD_NAME } from '../security/csrf.ts';
