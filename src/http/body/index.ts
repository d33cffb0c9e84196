/**
 * Request bodies: read once, under limits, parsed by media type, before the view runs.
 *
 * The dispatcher calls {@link readRequestBody} (through `Request.loadBody`) before a view, so a
 * body over the limit is refused even when the view never reads it (hono CVE-2026-44456), and
 * calls `cleanup()` after the response to remove uploaded files. The media type is parsed once
 * ({@link parseMediaType}) and that one result chooses the parser and is what validators see.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { isJson, isMultipart, isUrlEncoded, parseMediaType, type MediaType } from '../content-type.ts';
import { parseUrlEncoded, type FormObject } from './form.ts';
import { parseJsonBody } from './json.ts';
import type { BodyLimits } from './limits.ts';
import { readMultipart, type FileMap } from './multipart.ts';
import { readBodyBuffer } from './reader.ts';
import { decodeUtf8, requireUtf8 } from './text.ts';

export { DEFAULT_BODY_LIMITS, resolveBodyLimits, type BodyLimits } from './limits.ts';
export { checkFieldName, formFromPairs, parseUrlEncoded, type FormLimits, type FormObject, type FormValue } from './form.ts';
export { parseJsonBody } from './json.ts';
export { readMultipart, type FileMap, type MultipartResult } from './multipart.ts';
export { pumpBody, readBodyBuffer, type BodyPump } from './reader.ts';
export { secureFilename } from './filename.ts';
export { UploadStore, UploadedFile, type UploadedFileInit } from './uploaded-file.ts';
export { removeStaleUploadDirs, uploadDirPrefix } from './upload-dirs.ts';

/**
 * A request body, read completely and parsed according to its media type:
 *
 * | media type | fields set |
 * |---|---|
 * | none, or any other type | `raw` |
 * | JSON (`application/json`, `*+json`) | `raw`, `json` (`undefined` for an empty body) |
 * | `application/x-www-form-urlencoded` | `raw`, `form` |
 * | `multipart/form-data` | `form`, `files` (no `raw`: the bytes were streamed, not kept) |
 */
export interface ParsedBody {
  /** The bytes of the body (empty when there was none); absent for multipart. */
  readonly raw?: Buffer;
  /** The parsed `Content-Type`, absent when the request has none. */
  readonly mediaType?: MediaType;
  /** The parsed JSON value (any JSON value: object, array, string, number, boolean, null). */
  readonly json?: unknown;
  /** Form fields (null-prototype, bracket names expanded). */
  readonly form?: FormObject;
  /** Uploaded files by field name (null-prototype). */
  readonly files?: FileMap;
  /** Removes uploaded files. Idempotent and safe to call concurrently; a no-op without files. */
  cleanup(): Promise<void>;
}

/** Options of {@link readRequestBody}. */
export interface ReadBodyOptions {
  /** Parent folder of the per-request upload directory (default `os.tmpdir()`). */
  readonly tmpDir?: string;
  /**
   * Name prefix of the upload directory (default `phial-upload-`); apps use
   * `uploadDirPrefix(appName)` so that a later start can remove what a killed process left.
   */
  readonly uploadPrefix?: string;
}

const noCleanup = (): Promise<void> => Promise.resolve();

/**
 * Consumes the whole body of `raw` under `limits` and parses it by its media type.
 *
 * @param raw - the request; nobody else may read its body
 * @param limits - complete limits (see {@link resolveBodyLimits})
 * @throws {UnsupportedMediaType} (415) for a malformed `Content-Type` (before any byte is read),
 *   or a JSON / urlencoded body whose `charset` is not UTF-8
 * @throws {RequestEntityTooLarge} (413) above `maxContentLength` (declared or received), above
 *   `maxFormMemorySize` for a urlencoded body, or above a form or multipart count/size limit
 * @throws {BadRequest} (400) for malformed JSON or a forbidden JSON key, invalid UTF-8, a
 *   forbidden / too deep / too long field name, a malformed multipart body, a client abort
 * @example
 * const body = await readRequestBody(req, resolveBodyLimits({ maxContentLength: 10_000_000 }));
 * try { handle(body.form, body.files); } finally { await body.cleanup(); }
 */
export async function readRequestBody(raw: IncomingMessage, limits: BodyLimits, options: ReadBodyOptions = {}): Promise<ParsedBody> {
  const header = raw.headers['content-type'];
  const mediaType = parseMediaType(header);
  if (mediaType === undefined) {
    return { raw: await readBodyBuffer(raw, limits.maxContentLength), cleanup: noCleanup };
  }
  if (isMultipart(mediaType)) {
    const { form, files, cleanup } = await readMultipart(raw, mediaType, limits, options.tmpDir, options.uploadPrefix);
    return { mediaType, form, files, cleanup };
  }
  if (isJson(mediaType)) {
    requireUtf8(mediaType);
    const bytes = await readBodyBuffer(raw, limits.maxContentLength);
    return { raw: bytes, mediaType, json: parseJsonBody(bytes, mediaType), cleanup: noCleanup };
  }
  if (isUrlEncoded(mediaType)) {
    requireUtf8(mediaType);
    // Werkzeug applies max_form_memory_size to the whole urlencoded body: it is all in memory.
    const bytes = await readBodyBuffer(raw, Math.min(limits.maxContentLength, limits.maxFormMemorySize));
    return { raw: bytes, mediaType, form: parseUrlEncoded(decodeUtf8(bytes), limits), cleanup: noCleanup };
  }
  return { raw: await readBodyBuffer(raw, limits.maxContentLength), mediaType, cleanup: noCleanup };
}
