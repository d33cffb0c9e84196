/**
 * JSON bodies: strict UTF-8, parsed by `secure-json-parse`.
 *
 * `JSON.parse` keeps `"__proto__"` as an own key, which a later recursive merge copies into
 * `Object.prototype` (body-parser#347, hono GHSA-v8w9-8mx6-g223). secure-json-parse refuses a
 * `__proto__` key, and a `constructor` key holding a `prototype`, at any depth.
 *
 * @module
 */
import sjson from 'secure-json-parse';
import { BadRequest } from '../../errors/http.ts';
import type { MediaType } from '../content-type.ts';
import { decodeUtf8, requireUtf8 } from './text.ts';

const FORBIDDEN = 'Object contains forbidden prototype property';

/**
 * Parses a JSON body.
 *
 * @param bytes - the whole body
 * @param mt - its media type (must already be known to be JSON)
 * @returns the value, or `undefined` for an empty body (zero bytes)
 * @throws {UnsupportedMediaType} (415) for a charset other than UTF-8
 * @throws {BadRequest} (400) for invalid UTF-8, malformed JSON, or a `__proto__` /
 *   `constructor.prototype` key ("The JSON body contains a forbidden key.")
 */
export function parseJsonBody(bytes: Buffer, mt: MediaType): unknown {
  requireUtf8(mt);
  if (bytes.length === 0) return undefined;
  const text = decodeUtf8(bytes);
  try {
    return sjson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    if (err instanceof SyntaxError && err.message === FORBIDDEN) {
      throw new BadRequest('The JSON body contains a forbidden key.');
    }
    throw new BadRequest('The request body is not valid JSON.');
  }
}
