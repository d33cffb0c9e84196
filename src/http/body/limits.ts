/**
 * Upper bounds for reading and parsing request bodies, forms and query strings.
 *
 * Every limit is finite: an unbounded count, depth or size is a denial-of-service waiting to
 * happen (body-parser CVE-2024-45590 for depth, Werkzeug CVE-2023-25577 for multipart parts,
 * Werkzeug CVE-2024-49767 for a non-file field). Size and count limits answer 413
 * (`RequestEntityTooLarge`); structural limits (depth, array index, field name) answer 400.
 *
 * @module
 */

/** Limits applied while a request body (or a query string) is read and parsed. */
export interface BodyLimits {
  /** Whole body in bytes, counted on bytes received (chunked or not); 413 above. Default 1 MiB (Flask `MAX_CONTENT_LENGTH`). */
  readonly maxContentLength: number;
  /**
   * Bytes of one non-file multipart field, and of a whole urlencoded body (Werkzeug applies
   * `max_form_memory_size` to both); 413 above. Default 500 000 (Flask 3.1 `MAX_FORM_MEMORY_SIZE`).
   */
  readonly maxFormMemorySize: number;
  /** Multipart parts, fields and files together; 413 above. Default 1000 (Flask 3.1 `MAX_FORM_PARTS`). */
  readonly maxFormParts: number;
  /** Files in one multipart body; 413 above. Default 10. */
  readonly maxFiles: number;
  /** Bytes of one uploaded file; 413 above. Default: `maxContentLength`. */
  readonly maxFileSize: number;
  /** Header lines of one multipart part; 413 above. Default 32 (a browser sends two or three). */
  readonly maxPartHeaderPairs: number;
  /**
   * Header bytes of one multipart part; 413 above. Default 8192. busboy refuses more than 16 KiB
   * on its own (answered 400), so a value above that has no effect.
   */
  readonly maxPartHeaderSize: number;
  /** Bytes of a field name (UTF-8); 400 above. Default 200. */
  readonly maxFieldNameSize: number;
  /** Bracket groups in a field name (`a[b][c]` has 2); 400 above, never flattened. Default 10. */
  readonly maxDepth: number;
  /** Parameters in a urlencoded body or query string; 413 above. Default 1000 (qs `parameterLimit`). */
  readonly maxParams: number;
  /** Largest numeric index in a field name (`a[100]`); 400 above. Default 100. */
  readonly maxArrayIndex: number;
}

const MIB = 1024 * 1024;

/** Phial's defaults; see {@link BodyLimits} for each value's source. Frozen. */
export const DEFAULT_BODY_LIMITS: BodyLimits = Object.freeze({
  maxContentLength: MIB,
  maxFormMemorySize: 500_000,
  maxFormParts: 1000,
  maxFiles: 10,
  maxFileSize: MIB,
  maxPartHeaderPairs: 32,
  maxPartHeaderSize: 8192,
  maxFieldNameSize: 200,
  maxDepth: 10,
  maxParams: 1000,
  maxArrayIndex: 100,
});

const NAMES = Object.keys(DEFAULT_BODY_LIMITS) as Array<keyof BodyLimits>;

/**
 * Completes and checks a set of limits: missing values come from {@link DEFAULT_BODY_LIMITS},
 * except `maxFileSize`, which defaults to the resulting `maxContentLength`.
 *
 * @param overrides - values to change, e.g. `{ maxFiles: 1 }`
 * @returns a frozen, complete {@link BodyLimits}
 * @throws {RangeError} naming the limit when a value is not a non-negative safe integer
 *   (`Infinity` included: every limit is finite), or an unknown limit name is given
 * @example
 * const limits = resolveBodyLimits({ maxContentLength: 10 * 1024 * 1024, maxFiles: 3 });
 */
export function resolveBodyLimits(overrides: Partial<BodyLimits> = {}): BodyLimits {
  for (const key of Object.keys(overrides)) {
    if (!(NAMES as string[]).includes(key)) throw new RangeError(`Unknown body limit '${key}'`);
  }
  const maxContentLength = overrides.maxContentLength ?? DEFAULT_BODY_LIMITS.maxContentLength;
  const out = { ...DEFAULT_BODY_LIMITS, maxFileSize: maxContentLength, ...stripUndefined(overrides) };
  for (const name of NAMES) {
    const v: unknown = out[name];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new RangeError(`Body limit '${name}' must be a non-negative integer, got ${String(v)}`);
    }
  }
  return Object.freeze(out);
}

function stripUndefined(o: Partial<BodyLimits>): Partial<BodyLimits> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<BodyLimits>;
}
