/**
 * `multipart/form-data` bodies (RFC 7578), streamed through busboy.
 *
 * Non-file fields are kept in memory up to `maxFormMemorySize` bytes each (Werkzeug
 * CVE-2024-49767: a non-file field once escaped that cap); files stream to a private temporary
 * directory (see {@link UploadStore}). Parts, fields, files, file size, part-header lines and
 * bytes are capped; the first breach stops parsing with 413 and removes files already written.
 * Field names follow the urlencoded rules ({@link checkFieldName}): bracket names are expanded
 * with the same limits, and `__proto__.x` or `constructor[prototype][x]` is a 400.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { BadRequest, RequestEntityTooLarge } from '../../errors/http.ts';
import { parseMediaType, type MediaType } from '../content-type.ts';
import type { BodyLimits } from './limits.ts';
import { checkFieldName, formFromPairs, type FormObject } from './form.ts';
import { PartGuard } from './part-guard.ts';
import { pumpBody } from './reader.ts';
import { UploadStore, UploadedFile } from './uploaded-file.ts';

/** Uploaded files by field name (null-prototype); a field may carry several files. */
export type FileMap = Record<string, UploadedFile[] | undefined>;

/** The result of {@link readMultipart}. */
export interface MultipartResult {
  readonly form: FormObject;
  readonly files: FileMap;
  /** Removes the temporary files; idempotent. */
  cleanup(): Promise<void>;
}

// RFC 2046 §5.1.1: 1 to 70 bchars, not ending in a space.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/**
 * Reads and parses a multipart form body.
 *
 * @param raw - the request
 * @param mt - its media type (`multipart/form-data`)
 * @param limits - all of {@link BodyLimits} apply
 * @param tmpRoot - parent folder of the per-request upload directory (default `os.tmpdir()`)
 * @param prefix - name prefix of that directory (default `phial-upload-`; see `uploadDirPrefix`)
 * @throws {BadRequest} (400) for a missing or invalid boundary, a malformed body or part header,
 *   a forbidden, too deep or too long field name, a client abort
 * @throws {RequestEntityTooLarge} (413) above `maxContentLength`, `maxFormParts`, `maxFiles`,
 *   `maxFileSize`, `maxFormMemorySize` (one non-file field), `maxPartHeaderPairs` or
 *   `maxPartHeaderSize`
 */
export function readMultipart(raw: IncomingMessage, mt: MediaType, limits: BodyLimits, tmpRoot?: string, prefix?: string): Promise<MultipartResult> {
  const boundary = mt.params.get('boundary');
  if (boundary === undefined || !BOUNDARY.test(boundary)) {
    return Promise.reject(new BadRequest('The multipart body has no valid boundary.'));
  }
  const store = new UploadStore(tmpRoot, prefix);
  const guard = new PartGuard(boundary, limits);
  const fields: Array<[string, string]> = [];
  const files = Object.create(null) as FileMap;
  const writes: Array<Promise<void>> = [];
  const arrived: Array<{ name: string; file?: UploadedFile }> = [];
  let parts = 0;
  let failure: unknown;

  return new Promise<MultipartResult>((resolve, reject) => {
    // The boundary is validated and free of `"` and `\`, so this string says exactly what `mt` says.
    const bb = busboy({
      headers: { 'content-type': `multipart/form-data; boundary="${boundary}"` },
      preservePath: true, // the raw name is kept as data; UploadedFile.filename is the safe one
      defParamCharset: 'utf8',
      defCharset: 'utf8',
      limits: {
        fields: limits.maxFormParts,
        files: limits.maxFiles,
        parts: limits.maxFormParts + 1,
        // busboy signals "reached"; one more byte than allowed signals "exceeded".
        fieldSize: limits.maxFormMemorySize + 1,
        fileSize: limits.maxFileSize + 1,
      },
    });

    const fail = (err: unknown): void => {
      if (failure !== undefined) return;
      failure = err;
      pump.stop();
      bb.destroy();
      void store.cleanup().then(() => reject(err), () => reject(err));
    };
    const countPart = (): void => {
      if (++parts > limits.maxFormParts) throw new RequestEntityTooLarge(`The form has more than ${limits.maxFormParts} parts.`);
    };

    bb.on('field', (name, value, info) => {
      if (failure !== undefined) return;
      try {
        countPart();
        if (info.valueTruncated) {
          throw new RequestEntityTooLarge(`A form field is larger than ${limits.maxFormMemorySize} bytes.`);
        }
        if ((name as string | undefined) === undefined) return; // RFC 7578 §4.2: every field has a name
        checkFieldName(name, limits);
        fields.push([name, value]);
      } catch (err) { fail(err); }
    });

    bb.on('file', (name, stream, info) => {
      // busboy destroys the stream with an error when the form fails, possibly before the write
      // below is attached (it waits for the upload directory); pipeline still sees the error.
      stream.on('error', ignore);
      if (failure !== undefined) { stream.resume(); return; }
      try {
        countPart();
        if ((name as string | undefined) === undefined) { stream.resume(); return; }
        checkFieldName(name, limits);
      } catch (err) { stream.resume(); fail(err); return; }
      stream.once('limit', () => fail(new RequestEntityTooLarge(`An uploaded file is larger than ${limits.maxFileSize} bytes.`)));
      const mediaType = safeMediaType(info.mimeType);
      // Files are listed in the order their parts arrived, not the order their writes finish.
      const slot: { name: string; file?: UploadedFile } = { name };
      arrived.push(slot);
      writes.push(store.write(stream).then(({ path, size }) => {
        slot.file = new UploadedFile({ name, originalFilename: info.filename ?? '', mediaType, size, path });
      }, (err: unknown) => { fail(err); }));
    });

    bb.on('partsLimit', () => fail(new RequestEntityTooLarge(`The form has more than ${limits.maxFormParts} parts.`)));
    bb.on('filesLimit', () => fail(new RequestEntityTooLarge(`The form has more than ${limits.maxFiles} files.`)));
    bb.on('fieldsLimit', () => fail(new RequestEntityTooLarge(`The form has more than ${limits.maxFormParts} fields.`)));
    bb.on('error', (err: unknown) => fail(busboyError(err)));
    bb.on('finish', () => {
      if (failure !== undefined) return;
      void Promise.all(writes).then(() => {
        if (failure !== undefined) return;
        let form: FormObject;
        try { form = formFromPairs(fields, limits); } catch (err) { fail(err); return; }
        for (const { name, file } of arrived) if (file) (files[name] ??= []).push(file);
        resolve({ form, files, cleanup: () => store.cleanup() });
      });
    });

    const pump = pumpBody(raw, limits.maxContentLength, (chunk) => {
      guard.push(chunk);
      if (!bb.write(chunk)) {
        pump.pause();
        bb.once('drain', () => pump.resume());
      }
    });
    pump.done.then(() => { if (failure === undefined) bb.end(); }, fail);
  });
}

function ignore(): void { /* see the 'file' handler */ }

/**
 * A part's declared type through Phial's parser. busboy hands over only `type/subtype` (its own
 * reading, `text/plain` when absent or unreadable, RFC 7578 §4.4), so part parameters are lost.
 */
function safeMediaType(declared: string | undefined): MediaType | undefined {
  try { return parseMediaType(declared); } catch { return undefined; }
}

function busboyError(err: unknown): BadRequest {
  const message = err instanceof Error ? err.message : '';
  if (message === 'Unexpected end of form' || message === 'Unexpected end of file') {
    return new BadRequest('The multipart body ended before its closing boundary.');
  }
  if (message === 'Malformed part header') return new BadRequest('A multipart part header is malformed.');
  return new BadRequest('The multipart body is malformed.');
}
