/**
 * Forms over Standard Schema validators: WTForms' job (parse submitted data, validate it, keep
 * the submitted strings and per-field errors to re-render the page) without WTForms' field
 * classes. The schema (zod 4, valibot 1, arktype 2, …) owns types, coercion and messages; the
 * form only adds what HTML needs: how a field is rendered, how checkboxes and multi-selects
 * arrive, and the CSRF field, which it strips before validation (the request path verifies it).
 *
 * @module
 */
import { CSRF_FIELD_NAME } from '../security/csrf.ts';
import { groupIssues, isStandardSchema, validate, type InferOutput, type StandardSchemaV1 } from '../validation/standard-schema.ts';

/** The widgets a field can be rendered as. `text` is the default. */
export const FIELD_TYPES = [
  'text', 'textarea', 'email', 'password', 'checkbox', 'select', 'file', 'hidden', 'number', 'url', 'tel', 'date', 'search',
] as const;

/** A field's widget; see {@link FIELD_TYPES}. */
export type FieldType = (typeof FIELD_TYPES)[number];

/** A select option: a value, or `[value, label]`. */
export type FieldChoice = string | readonly [value: string, label: string];

/** How one field is rendered and read. Everything is optional. */
export interface FieldHints {
  /** The label text; default the name with `_` as spaces, first letter capitalised (WTForms). */
  readonly label?: string;
  /** The widget; default `text`. */
  readonly type?: FieldType;
  /** Options of a `select` (required for it). */
  readonly choices?: readonly FieldChoice[];
  /**
   * The field takes several values (`select multiple`, several files, repeated keys): its value
   * is always an array. Otherwise a repeated key yields its first value, as in WTForms.
   */
  readonly multiple?: boolean;
  /** `maxlength` / `minlength` attributes, in characters (the schema still enforces its own rules). */
  readonly maxlength?: number;
  readonly minlength?: number;
  /** Adds the `required` attribute (the schema decides what is really required). */
  readonly required?: boolean;
  readonly placeholder?: string;
  /** The `autocomplete` attribute, e.g. `email`, `new-password`, `off`. */
  readonly autocomplete?: string;
  /** Help text rendered under the field and linked by `aria-describedby`. */
  readonly description?: string;
  /** `rows` of a textarea. */
  readonly rows?: number;
}

/** Options of {@link defineForm}. */
export interface FormOptions {
  /** Render hints by field name. A form that declares fields only renders declared fields. */
  readonly fields?: Readonly<Record<string, FieldHints>>;
  /**
   * Leave empty strings out of the values given to the schema, so that an optional field left
   * blank is `undefined` rather than `''` (useful with `z.coerce.number().optional()`).
   * Default `false`: the schema sees exactly what the browser sent, as in WTForms.
   */
  readonly omitEmpty?: boolean;
  /** Prefix of the `id` of every widget, for pages with several forms; default `''` (id = name). */
  readonly idPrefix?: string;
}

/**
 * Submitted form data: the body parser's object (`req.form()`: strings, string arrays, nested
 * values for bracketed names) or a `URLSearchParams` (repeated keys become arrays).
 */
export type FormObject = Readonly<Record<string, unknown>>;

/** Submitted strings by field name, kept for re-rendering. */
export type FormData = Readonly<Record<string, string | readonly string[]>>;

/**
 * Marks form states and leads to their definition; a symbol keeps it out of templates. Not
 * exported from any public entry, but declared in the typings: {@link FormState} names it.
 */
export const FORM_DEFINITION: unique symbol = Symbol('phial.form');

/** The resolved definition a form state belongs to. */
export interface FormDefinition {
  readonly fields: Readonly<Record<string, Readonly<FieldHints>>>;
  readonly declared: boolean;
  readonly idPrefix: string;
}

/**
 * What a template renders: the submitted (or initial) strings and the errors. Plain own
 * properties, so templates can also read `form.data.title` or `form.errors.title`.
 */
export interface FormState {
  /** Submitted strings by name; no passwords, files or the CSRF token. No prototype. */
  readonly data: FormData;
  /** Messages by dotted path (`title`, `tags.0`). No prototype. Empty when valid. */
  readonly errors: Readonly<Record<string, readonly string[]>>;
  /** Messages about the form as a whole (issues with an empty path). */
  readonly formErrors: readonly string[];
  readonly [FORM_DEFINITION]: FormDefinition;
}

/** What {@link Form.parse} resolves to. */
export type FormResult<Output> = FormState & (
  | { readonly ok: true; readonly values: Output }
  | { readonly ok: false; readonly values: undefined }
);

/** A form defined by {@link defineForm}. */
export interface Form<S extends StandardSchemaV1> {
  readonly schema: S;
  /** The field hints as given (frozen copies). */
  readonly fields: Readonly<Record<string, Readonly<FieldHints>>>;
  /**
   * Reads and validates submitted data.
   *
   * The `csrf_token` field is dropped (the request path has verified it already). A declared
   * `checkbox` becomes `true`/`false` (absent, `''` and `'false'` are false, as in WTForms); a
   * declared `multiple` field is always an array; another declared field given several values
   * takes the first. Undeclared fields pass through as they are. `files` (`req.files()`:
   * uploads by field name, each a list) are merged into the values, never into `data`: a
   * declared single-file field gets the first upload, a `multiple` one the list.
   *
   * @returns the typed values, or per-field errors; `data` holds the submitted strings
   *   (passwords excluded) either way.
   * @throws whatever the schema throws (a schema bug, not an input problem).
   */
  parse(data: FormObject | URLSearchParams, files?: FormObject): Promise<FormResult<InferOutput<S>>>;
  /**
   * An unsubmitted form for a GET, optionally pre-filled: strings, numbers, bigints and booleans
   * (and arrays of them) become the displayed values; `true` checks a checkbox.
   */
  blank(initial?: Readonly<Record<string, unknown>>): FormState;
}

const FALSE_VALUES = new Set(['', 'false']);

/**
 * Defines a form from a Standard Schema object validator and optional render hints.
 *
 * @param schema Validates the object of field values (e.g. `z.object({...})`, `v.object({...})`).
 * @throws {TypeError} when `schema` is not a Standard Schema validator, a field name is empty or
 *   `csrf_token`, a type is unknown, a `select` has no choices, or a length is not a
 *   non-negative integer.
 * @example
 * ```ts
 * const NoteForm = defineForm(z.object({ title: z.string().min(1).max(100), body: z.string().max(5000) }), {
 *   fields: { title: { maxlength: 100, required: true }, body: { type: 'textarea', rows: 8 } },
 * });
 * const form = await NoteForm.parse(await req.form());
 * if (!form.ok) return [app.render('notes/new.html', { form }), 400];
 * await createNote(form.values); // { title: string; body: string }
 * ```
 */
export function defineForm<S extends StandardSchemaV1>(schema: S, options: FormOptions = {}): Form<S> {
  if (!isStandardSchema(schema)) throw new TypeError('defineForm: the schema is not a Standard Schema v1 validator (zod 4, valibot 1, arktype 2, …)');
  const fields = Object.create(null) as Record<string, Readonly<FieldHints>>;
  for (const [name, hints] of Object.entries(options.fields ?? {})) fields[name] = checkHints(name, hints);
  Object.freeze(fields);
  const definition: FormDefinition = Object.freeze({
    fields,
    declared: Object.keys(fields).length > 0,
    idPrefix: typeof options.idPrefix === 'string' ? options.idPrefix : '',
  });
  const omitEmpty = options.omitEmpty === true;

  return Object.freeze({
    schema,
    fields,
    async parse(data: FormObject | URLSearchParams, files?: FormObject): Promise<FormResult<InferOutput<S>>> {
      const submitted = entriesOf(data);
      const values: Record<string, unknown> = {};
      const kept = Object.create(null) as Record<string, string | readonly string[]>;
      for (const [name, raw] of submitted) {
        if (name === CSRF_FIELD_NAME) continue;
        const hints = fields[name];
        const shown = displayStrings(raw);
        if (shown !== undefined && hints?.type !== 'password' && hints?.type !== 'file') kept[name] = shown;
        const value = fieldValue(raw, hints);
        if (omitEmpty && value === '') continue;
        define(values, name, value);
      }
      for (const [name, hints] of Object.entries(fields)) {
        if (hints.type === 'checkbox' && !Object.hasOwn(values, name)) define(values, name, false);
        if (hints.multiple === true && hints.type !== 'file' && !Object.hasOwn(values, name)) define(values, name, []);
      }
      if (files !== undefined) {
        for (const [name, file] of Object.entries(files)) {
          // req.files() gives arrays; a single-file field takes the first, as WTForms' FileField.
          const hints = fields[name];
          if (name === CSRF_FIELD_NAME) continue;
          if (hints === undefined) define(values, name, file);
          else if (hints.multiple === true) define(values, name, Array.isArray(file) ? file : [file]);
          else define(values, name, Array.isArray(file) ? file[0] : file);
        }
      }
      const result = await validate(schema, values);
      if (result.ok) return state(definition, kept, [], { ok: true as const, values: result.value });
      const formErrors = result.issues.filter((i) => i.path === '').map((i) => i.message);
      return state(definition, kept, result.issues.filter((i) => i.path !== ''), { ok: false as const, values: undefined }, formErrors);
    },
    blank(initial: Readonly<Record<string, unknown>> = {}): FormState {
      const kept = Object.create(null) as Record<string, string | readonly string[]>;
      for (const [name, value] of Object.entries(initial)) {
        const hints = fields[name];
        if (name === CSRF_FIELD_NAME || hints?.type === 'password' || hints?.type === 'file') continue;
        const shown = initialStrings(value, hints);
        if (shown !== undefined) kept[name] = shown;
      }
      return state(definition, kept, [], {});
    },
  });
}

function state<T extends object>(
  definition: FormDefinition,
  data: Record<string, string | readonly string[]>,
  issues: readonly { path: string; message: string }[],
  extra: T,
  formErrors: readonly string[] = [],
): FormState & T {
  const out = { ...extra, data: Object.freeze(data), errors: Object.freeze(groupIssues(issues)), formErrors: Object.freeze([...formErrors]) };
  Object.defineProperty(out, FORM_DEFINITION, { value: definition });
  return out as FormState & T;
}

/** Own properties only, so a `__proto__` key in the input stays a plain key. */
function define(target: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

function entriesOf(data: FormObject | URLSearchParams): [string, unknown][] {
  if (data instanceof URLSearchParams) {
    const grouped = new Map<string, string[]>();
    for (const [k, v] of data) {
      const list = grouped.get(k);
      if (list) list.push(v);
      else grouped.set(k, [v]);
    }
    return [...grouped].map(([k, list]) => [k, list.length === 1 ? list[0] : list]);
  }
  if (typeof data !== 'object' || data === null) throw new TypeError('Form.parse: data must be an object of fields or URLSearchParams');
  return Object.entries(data);
}

function fieldValue(raw: unknown, hints: FieldHints | undefined): unknown {
  if (hints === undefined) return raw;
  if (hints.multiple === true) return Array.isArray(raw) ? raw : [raw];
  const first: unknown = Array.isArray(raw) ? raw[0] : raw;
  if (hints.type === 'checkbox') return first !== undefined && !(typeof first === 'string' && FALSE_VALUES.has(first));
  return first;
}

function displayStrings(raw: unknown): string | readonly string[] | undefined {
  if (typeof raw === 'string') return raw;
  if (Array.isArray(raw) && raw.every((v) => typeof v === 'string')) return Object.freeze([...(raw as string[])]);
  return undefined;
}

function initialStrings(value: unknown, hints: FieldHints | undefined): string | readonly string[] | undefined {
  const one = (v: unknown): string | undefined => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'bigint') return String(v);
    if (typeof v === 'boolean') return hints?.type === 'checkbox' ? (v ? 'y' : undefined) : String(v);
    return undefined;
  };
  if (Array.isArray(value)) return Object.freeze(value.map(one).filter((v): v is string => v !== undefined));
  return one(value);
}

function checkHints(name: string, hints: FieldHints): Readonly<FieldHints> {
  if (name === '') throw new TypeError('defineForm: a field name must not be empty');
  if (name === CSRF_FIELD_NAME) throw new TypeError(`defineForm: "${CSRF_FIELD_NAME}" is reserved for the CSRF token, which every form carries`);
  if (typeof hints !== 'object' || hints === null) throw new TypeError(`defineForm: the hints of field "${name}" must be an object`);
  const type = hints.type ?? 'text';
  if (!(FIELD_TYPES as readonly string[]).includes(type)) {
    throw new TypeError(`defineForm: field "${name}" has unknown type ${JSON.stringify(type)} (use ${FIELD_TYPES.join(', ')})`);
  }
  if (type === 'select' && (!Array.isArray(hints.choices) || hints.choices.length === 0)) {
    throw new TypeError(`defineForm: select field "${name}" needs \`choices\``);
  }
  for (const key of ['maxlength', 'minlength', 'rows'] as const) {
    const n = hints[key];
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
      throw new TypeError(`defineForm: field "${name}" ${key} must be a non-negative integer, got ${JSON.stringify(n)}`);
    }
  }
  const choices = hints.choices?.map((c): FieldChoice => {
    if (typeof c === 'string') return c;
    if (Array.isArray(c) && c.length === 2 && typeof c[0] === 'string' && typeof c[1] === 'string') return Object.freeze([c[0], c[1]] as const);
    throw new TypeError(`defineForm: field "${name}" has a choice that is neither a string nor [value, label]: ${JSON.stringify(c)}`);
  });
  return Object.freeze({ ...hints, type, ...(choices ? { choices: Object.freeze(choices) } : {}) });
}
