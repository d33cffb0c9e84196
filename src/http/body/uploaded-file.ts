/**
 * Uploaded files: streamed to a private temporary directory, never held whole in memory.
 *
 * @module
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { MediaType } from '../content-type.ts';
import { secureFilename } from './filename.ts';

/** What is known about an upload when it has been written to disk. */
export interface UploadedFileInit {
  /** The form field name. */
  readonly name: string;
  /** The file name as the client sent it (may be empty, may contain anything). */
  readonly originalFilename: string;
  /** The part's declared media type, if it was well-formed. */
  readonly mediaType: MediaType | undefined;
  /** Bytes written. */
  readonly size: number;
  /** The temporary file. */
  readonly path: string;
}

/**
 * One uploaded file of a `multipart/form-data` body, like Werkzeug's `FileStorage`.
 *
 * The content lives in a temporary file (mode 0600, in a 0700 directory of its own) that is
 * removed after the response; use {@link UploadedFile.save} to keep it. Everything about it
 * except `size` comes from the client: `originalFilename` and `mimetype` are data to validate,
 * never to trust (check the content's magic bytes if the type matters).
 */
export class UploadedFile {
  /** The form field name, e.g. `avatar`. */
  readonly name: string;
  /** A safe single path component made from the client's name ({@link secureFilename}); never empty. */
  readonly filename: string;
  /** The name exactly as sent (empty when none was sent). Display it escaped, never use it as a path. */
  readonly originalFilename: string;
  /**
   * The declared media type essence, e.g. `image/png`: `text/plain` when the part declared none
   * or an unreadable one (RFC 7578 §4.4), `application/octet-stream` if it does not parse.
   */
  readonly mimetype: string;
  /** The declared media type (`type/subtype` only: busboy does not pass part parameters on). */
  readonly mediaType: MediaType | undefined;
  /** Size in bytes, as received. */
  readonly size: number;
  /** The temporary file; valid until the request's body is cleaned up. */
  readonly path: string;

  constructor(init: UploadedFileInit) {
    this.name = init.name;
    this.originalFilename = init.originalFilename;
    this.filename = secureFilename(init.originalFilename);
    this.mediaType = init.mediaType;
    this.mimetype = init.mediaType?.essence ?? 'application/octet-stream';
    this.size = init.size;
    this.path = init.path;
  }

  /** A fresh read stream over the content. */
  stream(): ReadStream {
    return createReadStream(this.path);
  }

  /** The whole content. Prefer {@link UploadedFile.stream} for large files. */
  bytes(): Promise<Buffer> {
    return readFile(this.path);
  }

  /**
   * Copies the content to `destination` (a file path), replacing an existing file as Werkzeug's
   * `FileStorage.save` does. Build the path from {@link UploadedFile.filename} or your own name,
   * never from `originalFilename`.
   * @throws the file-system error (e.g. `ENOENT` for a missing folder)
   */
  async save(destination: string): Promise<void> {
    await copyFile(this.path, destination);
  }
}

/**
 * The temporary directory of one request's uploads, created on the first file.
 *
 * `cleanup()` closes every file still being written, then removes the directory; it is
 * idempotent and safe to call concurrently (every call returns the same promise), and files
 * that start after it are never created.
 */
export class UploadStore {
  private dir: Promise<string> | undefined;
  private readonly writers = new Set<WriteStream>();
  private closed: Promise<void> | undefined;
  private count = 0;

  /**
   * @param root - parent folder of the per-request directory (default `os.tmpdir()`)
   * @param prefix - the directory's name prefix, completed by `mkdtemp` (default `phial-upload-`)
   */
  constructor(private readonly root: string = tmpdir(), private readonly prefix = 'phial-upload-') {}

  /**
   * Streams `source` into a new temporary file.
   * @returns the file's path and size once it is completely written
   * @throws when the store was cleaned up or writing fails (the source is then drained)
   */
  async write(source: Readable): Promise<{ path: string; size: number }> {
    if (this.closed) { source.resume(); throw new Error('upload store closed'); }
    const dir = await (this.dir ??= mkdtemp(join(this.root, this.prefix)));
    if (this.closed) { source.resume(); throw new Error('upload store closed'); }
    // Names are counters: nothing the client sent reaches the file system.
    const path = join(dir, String(++this.count));
    const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.writers.add(out);
    try {
      await pipeline(source, out);
    } finally {
      this.writers.delete(out);
    }
    return { path, size: out.bytesWritten };
  }

  /** Removes every file and the directory. Idempotent; concurrent calls share one promise. */
  cleanup(): Promise<void> {
    return (this.closed ??= this.removeAll());
  }

  private async removeAll(): Promise<void> {
    if (this.dir === undefined) return;
    const dir = await this.dir.catch(() => undefined);
    await Promise.all([...this.writers].map((w) => new Promise<void>((resolve) => {
      if (w.closed) { resolve(); return; }
      w.once('close', () => resolve());
      w.destroy();
    })));
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}
