/**
 * Per-response CSP nonces drawn from a batched random pool.
 *
 * A nonce must be unpredictable, at least 128 bits and fresh for every response
 * (Google CSP FAQ, https://csp.withgoogle.com/docs/faq.html; OWASP CSP Cheat Sheet).
 * `crypto.randomBytes(16)` per response would cost one CSPRNG call each; here one
 * `randomFillSync` fills a 4 KiB pool that serves 256 nonces, so a nonce costs one
 * base64 encoding of a 16-byte slice.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

/** Random bytes in one nonce: 16 bytes = 128 bits, the floor set by the Google CSP FAQ. */
export const CSP_NONCE_BYTES = 16;

/** Pool size in bytes: 4096 / 16 = 256 nonces per `randomFillSync` call. */
const POOL_BYTES = 4096;

// Buffer.alloc never hands out a slice of Node's shared allocation slab, so no other
// code can hold a view on these bytes.
const pool = Buffer.alloc(POOL_BYTES);
// Starts "exhausted" so the first call fills the pool: no random bytes are drawn at import.
let offset = POOL_BYTES;

/**
 * Returns a fresh CSP nonce: 16 bytes (128 bits) from the OS CSPRNG, encoded as standard
 * base64 with padding, always 24 characters from `[A-Za-z0-9+/=]`.
 *
 * Standard base64 rather than base64url because it is valid under both CSP Level 2
 * (`base64-value = 1*( ALPHA / DIGIT / "+" / "/" )*2( "=" )`) and CSP Level 3, which also
 * admits `-` and `_`; browsers compare nonces as plain strings, never decoding them
 * (CSP3 §2.3.1). The value is safe inside a double-quoted HTML attribute.
 *
 * Pool bytes are never handed out twice: the offset moves past a slice before it is
 * encoded, and the whole pool is refilled once it is used up. Each process and each
 * worker thread has its own pool (module state is per isolate; cluster workers are fresh
 * processes, not memory forks), so no two of them can share bytes.
 *
 * Use one nonce per response, in the CSP header (via `CompiledSecurityHeaders.htmlCsp`)
 * and in the `nonce` attributes the templates write. Never stamp it onto script tags found
 * in the output: that would bless injected scripts too (OWASP CSP Cheat Sheet).
 *
 * @returns a 24-character base64 string, e.g. `"q2v8yWm1k0G4cV3XH8vN2A=="`
 * @example
 * const nonce = cspNonce();
 * res.writeHead(200, [...block.common, 'content-security-policy', block.htmlCsp(nonce)!]);
 */
export function cspNonce(): string {
  if (offset + CSP_NONCE_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset = start + CSP_NONCE_BYTES;
  return pool.toString('base64', start, start + CSP_NONCE_BYTES);
}
