/**
 * A route's inputs before its view runs: which body media types it accepts (415 otherwise), the
 * body read whole under the route's limits (so a view that never reads the body cannot run on an
 * oversized one, case C22), and the route's Standard Schema validators run into `req.valid`.
 *
 * Compiled once per route when the app is frozen; the request path calls {@link prepareBody} and
 * {@link validateInputs}.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { UnsupportedMediaType, ValidationError, type InputIssue, type InputLocation } from '../errors/http.ts';
import type { Request } from '../http/request.ts';
import { matchesMediaRange, parseMediaType } from '../http/content-type.ts';
import { parseUrlEncoded, type BodyLimits } from '../http/body/index.ts';
import { isStandardSchema, validate } from '../validation/standard-schema.ts';
import { SetupError } from '../errors/setup-error.ts';
import type { RouteOptions, RouteSchemas } from '../http/view.ts';

const JSON_TYPES = ['application/json', '*/*+json'] as const;
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'] as const;
const TYPE_PATTERN = /^(?:\*|[a-z0-9!#$&^_.+-]+)\/(?:\*|\*\+[a-z0-9!#$&^_.+-]+|[a-z0-9!#$&^_.+-]+)$/;

/** The input rules of one route, resolved at freeze (what a step sees as `route.inputs`). */
export interface RouteInputs {
  /** Accepted media type patterns (`type/subtype`, `type/*`, `*\/*+json`); undefined = any. */
  readonly accepts: readonly string[] | undefined;
  readonly limits: BodyLimits;
  readonly schemas: RouteSchemas | undefined;
}

/**
 * Resolves a route's accepted types, limits and schemas.
 * @throws {SetupError} `PHIAL_E_BAD_ACCEPTS` for a malformed media type pattern,
 *   `PHIAL_E_BAD_SCHEMA` for a schema that is not a Standard Schema validator,
 *   `PHIAL_E_BAD_LIMIT` for a limit that is not a non-negative integer
 */
export function compileRouteInputs(options: RouteOptions, appLimits: BodyLimits, rule: string): RouteInputs {
  const schemas = options.schema;
  if (schemas) {
    for (const [location, schema] of Object.entries(schemas)) {
      if (!['params', 'query', 'body', 'form', 'headers', 'cookies'].includes(location)) {
        throw new SetupError('PHIAL_E_BAD_SCHEMA', `Route ${rule}: unknown schema location "${location}" (use params, query, body, form, headers or cookies)`);
      }
      if (schema !== undefined && !isStandardSchema(schema)) {
        throw new SetupError('PHIAL_E_BAD_SCHEMA', `Route ${rule}: schema.${location} is not a Standard Schema validator (zod 4, valibot 1, arktype 2, …)`);
      }
    }
    if (schemas.body && schemas.form) {
      throw new SetupError('PHIAL_E_BAD_SCHEMA', `Route ${rule}: schema.body (JSON) and schema.form cannot both be set`);
    }
  }
  let accepts: readonly string[] | undefined;
  if (options.accepts) {
    accepts = options.accepts.map((t) => {
      const p = t.trim().toLowerCase();
      if (!TYPE_PATTERN.test(p)) throw new SetupError('PHIAL_E_BAD_ACCEPTS', `Route ${rule}: accepts entry ${JSON.stringify(t)} is not a media type pattern like "application/json" or "image/*"`);
      return p;
    });
  } else if (schemas?.body) accepts = JSON_TYPES;
  else if (schemas?.form) accepts = FORM_TYPES;
  const limits: BodyLimits = { ...appLimits };
  for (const [k, v] of Object.entries(options.bodyLimits ?? {})) {
    if (!(k in appLimits)) throw new SetupError('PHIAL_E_BAD_LIMIT', `Route ${rule}: unknown body limit "${k}"`);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new SetupError('PHIAL_E_BAD_LIMIT', `Route ${rule}: bodyLimits.${k} must be a non-negative integer, got ${String(v)}`);
    }
    (limits as unknown as Record<string, number>)[k] = v;
  }
  // A route that raises its body limit for uploads means its files too, unless it says otherwise.
  const own = options.bodyLimits ?? {};
  if (own.maxContentLength !== undefined && own.maxFileSize === undefined && appLimits.maxFileSize === appLimits.maxContentLength) {
    (limits as { maxFileSize: number }).maxFileSize = limits.maxContentLength;
  }
  return { accepts, limits, schemas };
}

/** Whether the request carries a body (RFC 9112 §6.3: a Transfer-Encoding, or a non-zero Content-Length). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const cl = headers['content-length'];
  return cl !== undefined && cl !== '0';
}

/**
 * Checks the body's media type against the route and reads the whole body under the route's
 * limits. Runs before any hook or view.
 * @throws {UnsupportedMediaType} 415 for a malformed `Content-Type`, one the route does not accept, or
 *   any `Content-Encoding` but `identity` (with `Accept-Encoding: identity`)
 * @throws {RequestEntityTooLarge} 413 when a limit is passed
 * @throws {BadRequest} 400 for a malformed or cut-short body
 */
export async function prepareBody(req: Request<unknown, unknown>, inputs: RouteInputs): Promise<void> {
  // Phial does not decode compressed bodies; parsing gzip bytes as JSON or a form would only
  // confuse (and a decoder would be a decompression-bomb surface). RFC 9110 §15.5.16.
  const coding = req.header('content-encoding');
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
    throw new UnsupportedMediaType('Compressed request bodies (Content-Encoding) are not accepted.', { headers: { 'accept-encoding': 'identity' } });
  }
  const mt = parseMediaType(req.header('content-type'));
  if (inputs.accepts) {
    if (!mt) throw new UnsupportedMediaType(`A body of type ${inputs.accepts.join(' or ')} is required.`);
    if (!inputs.accepts.some((p) => matchesMediaRange(mt, p))) {
      throw new UnsupportedMediaType(`This URL accepts bodies of type ${inputs.accepts.join(', ')}.`);
    }
  }
  await req.loadBody(inputs.limits);
}

/**
 * Runs the route's schemas and stores their outputs in `req.valid` (params in `req.params`).
 * Every location is checked before failing, so one 400 lists every issue.
 * @throws {ValidationError} 400 with the issues
 * @throws {UnsupportedMediaType} 415 when a `body`/`form` schema meets no body of its type
 */
export async function validateInputs(req: Request<unknown, unknown>, inputs: RouteInputs): Promise<void> {
  const schemas = inputs.schemas;
  if (!schemas) return;
  const issues: InputIssue[] = [];
  const valid = Object.create(null) as Record<string, unknown>;
  const run = async (location: InputLocation, schema: StandardSchemaV1 | undefined, value: () => unknown | Promise<unknown>): Promise<void> => {
    if (!schema) return;
    const result = await validate(schema, await value());
    if (result.ok) {
      if (location === 'params') req.params = result.value;
      else valid[location] = result.value;
    } else {
      for (const i of result.issues) issues.push({ location, path: i.path, message: i.message });
    }
  };
  await run('params', schemas.params, () => req.params);
  await run('query', schemas.query, () => parseUrlEncoded(req.queryString, inputs.limits));
  await run('headers', schemas.headers, () => ({ ...req.headers }));
  await run('cookies', schemas.cookies, () => ({ ...req.cookies }));
  await run('body', schemas.body, () => req.json());
  await run('form', schemas.form, () => req.form());
  if (issues.length > 0) throw new ValidationError(issues);
  req.valid = valid;
}
