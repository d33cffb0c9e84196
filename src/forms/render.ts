/**
 * Form widgets as escaped HTML: a field with its label, its submitted value and its errors, the
 * CSRF hidden field, hidden fields, and form-level errors. The template helpers (`field`,
 * `hidden_tag`, `form_errors`, `{% csrf_field %}`) call these.
 *
 * Accessibility follows WAI-ARIA practice for form errors: an invalid widget has
 * `aria-invalid="true"` and `aria-describedby` naming its error list (and its help text).
 * Passwords and files are never written back into the page (WTForms' `PasswordField` hides the
 * value too).
 *
 * @module
 */
import { CSRF_FIELD_NAME } from '../security/csrf.ts';
import { attributes, escapeHtml, type AttributeValue } from './html.ts';
import { FORM_DEFINITION, type FieldHints, type FormDefinition, type FormState } from './form.ts';

/** Per-call overrides of {@link renderField}. */
export interface RenderFieldOptions {
  /** Label text instead of the hint's, or `false` for no `<label>`. */
  readonly label?: string | false;
  /** Extra `class` on the widget. */
  readonly class?: string;
  readonly placeholder?: string;
  readonly autocomplete?: string;
}

const OPTION_NAMES: ReadonlySet<string> = new Set(['label', 'class', 'placeholder', 'autocomplete']);

/** The definition behind a form state. @throws {TypeError} for anything that is not one. */
export function formDefinition(form: unknown, helper: string): FormDefinition {
  const definition = typeof form === 'object' && form !== null ? (form as Partial<FormState>)[FORM_DEFINITION] : undefined;
  if (definition === undefined) {
    throw new TypeError(`${helper} needs a form: the result of defineForm(…).parse() or .blank(), got ${describe(form)}`);
  }
  return definition;
}

/**
 * Renders one field: label, widget with the submitted (or initial) value, help text, errors.
 *
 * @param name A field name; when the form declares fields, one of them.
 * @returns HTML, every value escaped; a `hidden` field is a bare `<input>`.
 * @throws {TypeError} when `form` is not a form state, `name` is not declared, or `options`
 *   holds an unknown key.
 * @example renderField(form, 'title') // <div class="field"><label for="title">Title</label><input …></div>
 */
export function renderField(form: FormState, name: string, options: RenderFieldOptions = {}): string {
  const definition = formDefinition(form, 'renderField');
  if (typeof name !== 'string' || name === '') throw new TypeError('renderField needs a field name');
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new TypeError(`renderField: unknown option "${key}" (use ${[...OPTION_NAMES].join(', ')})`);
  }
  const hints: FieldHints | undefined = definition.fields[name];
  if (hints === undefined && definition.declared) {
    throw new TypeError(`renderField: the form has no field "${name}" (declared: ${Object.keys(definition.fields).join(', ')})`);
  }
  const type = hints?.type ?? 'text';
  const id = definition.idPrefix + name;
  const submitted = form.data[name];
  const values: readonly string[] = submitted === undefined ? [] : typeof submitted === 'string' ? [submitted] : submitted;
  if (type === 'hidden') {
    return `<input${attributes([['type', 'hidden'], ['id', id], ['name', name], ['value', values[0] ?? '']])}>`;
  }

  const errors = fieldErrors(form, name);
  const describedBy = [hints?.description !== undefined ? `${id}-description` : '', errors.length > 0 ? `${id}-errors` : '']
    .filter((s) => s !== '').join(' ');
  const common: [string, AttributeValue][] = [
    ['id', id],
    ['name', name],
    ['class', options.class],
    ['required', hints?.required === true],
    ['aria-invalid', errors.length > 0 ? 'true' : undefined],
    ['aria-describedby', describedBy === '' ? undefined : describedBy],
  ];
  const text: [string, AttributeValue][] = [
    ['maxlength', hints?.maxlength],
    ['minlength', hints?.minlength],
    ['placeholder', options.placeholder ?? hints?.placeholder],
    ['autocomplete', options.autocomplete ?? hints?.autocomplete],
  ];

  let widget: string;
  switch (type) {
    case 'textarea':
      // The newline keeps a value that starts with one: HTML drops the first newline of a textarea.
      widget = `<textarea${attributes([...common, ['rows', hints?.rows], ...text])}>\n${escapeHtml(values[0] ?? '')}</textarea>`;
      break;
    case 'checkbox': {
      const checked = values.length > 0 && values[0] !== '' && values[0] !== 'false';
      widget = `<input${attributes([['type', 'checkbox'], ...common, ['value', 'y'], ['checked', checked]])}>`;
      break;
    }
    case 'select': {
      const selected = new Set(values);
      const optionsHtml = (hints?.choices ?? []).map((choice) => {
        const [value, label] = typeof choice === 'string' ? [choice, choice] : choice;
        return `<option${attributes([['value', value], ['selected', selected.has(value)]])}>${escapeHtml(label)}</option>`;
      }).join('');
      widget = `<select${attributes([...common, ['multiple', hints?.multiple === true]])}>${optionsHtml}</select>`;
      break;
    }
    case 'file':
      widget = `<input${attributes([['type', 'file'], ...common, ['multiple', hints?.multiple === true]])}>`;
      break;
    case 'password':
      widget = `<input${attributes([['type', 'password'], ...common, ...text])}>`;
      break;
    default:
      widget = `<input${attributes([['type', type], ...common, ['value', values[0] ?? ''], ...text])}>`;
  }

  const labelText = options.label ?? hints?.label ?? defaultLabel(name);
  const label = labelText === false ? '' : `<label${attributes([['for', id]])}>${escapeHtml(labelText)}</label>`;
  const description = hints?.description !== undefined
    ? `<p${attributes([['class', 'field-description'], ['id', `${id}-description`]])}>${escapeHtml(hints.description)}</p>`
    : '';
  const errorList = errors.length > 0 ? `<ul${attributes([['class', 'field-errors'], ['id', `${id}-errors`]])}>${listItems(errors)}</ul>` : '';
  const classes = `field field-${type}${errors.length > 0 ? ' field-invalid' : ''}`;
  const body = type === 'checkbox' ? widget + label : label + widget;
  return `<div${attributes([['class', classes]])}>${body}${description}${errorList}</div>`;
}

/**
 * The hidden CSRF input: `<input type="hidden" name="csrf_token" value="…">`.
 * @throws {TypeError} when `token` is not a non-empty string (a form without a token would
 *   fail the CSRF check on submit).
 */
export function renderCsrfField(token: string): string {
  if (typeof token !== 'string' || token === '') throw new TypeError('renderCsrfField needs the CSRF token of this request');
  return `<input${attributes([['type', 'hidden'], ['name', CSRF_FIELD_NAME], ['value', token]])}>`;
}

/**
 * The CSRF input (when `csrfToken` is given) and every declared `hidden` field: Flask-WTF's
 * `form.hidden_tag()`.
 * @throws {TypeError} when `form` is not a form state.
 */
export function renderHiddenTag(form: FormState, csrfToken?: string): string {
  const definition = formDefinition(form, 'renderHiddenTag');
  let out = csrfToken === undefined ? '' : renderCsrfField(csrfToken);
  for (const [name, hints] of Object.entries(definition.fields)) {
    if (hints.type === 'hidden') out += renderField(form, name);
  }
  return out;
}

/**
 * Errors that no visible field shows: form-level messages (issues without a path), errors of
 * hidden fields and, for a form that declares its fields, errors of undeclared paths. A
 * `<ul class="form-errors" role="alert">`, or `''` when there are none.
 * @throws {TypeError} when `form` is not a form state.
 */
export function renderFormErrors(form: FormState): string {
  const definition = formDefinition(form, 'renderFormErrors');
  const messages = [...form.formErrors];
  for (const [path, list] of Object.entries(form.errors)) {
    const top = path.split('.', 1)[0]!;
    const hints = definition.fields[top];
    if (hints?.type === 'hidden' || (definition.declared && hints === undefined)) messages.push(...list);
  }
  return messages.length === 0 ? '' : `<ul${attributes([['class', 'form-errors'], ['role', 'alert']])}>${listItems(messages)}</ul>`;
}

/** Messages at `name` and below it (`tags` shows `tags.0`'s). */
function fieldErrors(form: FormState, name: string): string[] {
  const out: string[] = [];
  const prefix = `${name}.`;
  for (const [path, list] of Object.entries(form.errors)) {
    if (path === name || path.startsWith(prefix)) out.push(...list);
  }
  return out;
}

function listItems(messages: readonly string[]): string {
  return messages.map((m) => `<li>${escapeHtml(m)}</li>`).join('');
}

/** WTForms' default label: `first_name` → `First name`. */
function defaultLabel(name: string): string {
  const spaced = name.replace(/_/g, ' ').trim();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object that is not a form' : typeof value;
}
