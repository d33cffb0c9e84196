/**
 * Charset rules for text bodies (JSON, urlencoded forms).
 *
 * Phial decodes text bodies as UTF-8 only (RFC 8259 §8.1 requires it for JSON; the WHATWG URL
 * standard encodes forms as UTF-8), and decodes strictly: an invalid byte sequence is a 400, not a
 * silent U+FFFD, so two components can never read the same bytes as different strings.
 *
 * @module
 */
import { BadRequest, UnsupportedMediaType } from '../../errors/http.ts';
import type { MediaType } from '../content-type.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Refuses a `charset` parameter other than `utf-8` (any case).
 * @throws {UnsupportedMediaType} (415) e.g. for `application/json; charset=latin1`
 */
export function requireUtf8(mt: MediaType): void {
  const charset = mt.params.get('charset');
  if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
    throw new UnsupportedMediaType('Only UTF-8 request bodies are supported.');
  }
}

/**
 * Decodes UTF-8 strictly; a leading byte-order mark is dropped (RFC 8259 §8.1 allows ignoring it).
 * @throws {BadRequest} (400) for an invalid byte sequence
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new BadRequest('The request body is not valid UTF-8.');
  }
}
