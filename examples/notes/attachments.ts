/**
 * Note attachments: one optional file per note, at most {@link MAX_ATTACHMENT_BYTES}, stored under
 * a random name in `<instance>/uploads/` (the client's name is kept only as sanitised display
 * text) and always served as a download, so an uploaded HTML or SVG file never runs as a page.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { UploadedFile } from 'phial';

/** Largest attachment, bytes (2 MiB). */
export const MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024;

/** Content types served as themselves; anything else is sent as `application/octet-stream`. */
const SERVED_TYPES = new Set(['text/plain', 'application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Where attachments live. */
export function uploadsDir(instancePath: string): string {
  return join(instancePath, 'uploads');
}

/** What the notes table records about a stored attachment. */
export interface StoredAttachment {
  attachment_name: string;
  attachment_file: string;
  attachment_type: string;
  attachment_size: number;
}

/**
 * The name shown and offered for download: the client's name without any path, controls or
 * leading dots, at most 200 characters, non-ASCII kept (the download header encodes it per
 * RFC 6266). It is only ever data: the file on disk has a random name.
 */
export function displayName(file: UploadedFile): string {
  const base = file.originalFilename.split(/[/\\]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const clean = base.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '').replace(/^[.\s]+/, '').trim().slice(0, 200);
  return clean || file.filename || 'attachment';
}

/** Copies an upload into the uploads folder under a fresh random name. */
export async function storeAttachment(instancePath: string, file: UploadedFile): Promise<StoredAttachment> {
  const dir = uploadsDir(instancePath);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stored = randomBytes(16).toString('hex');
  await file.save(join(dir, stored));
  const declared = file.mediaType?.essence ?? '';
  return {
    attachment_name: displayName(file),
    attachment_file: stored,
    attachment_type: SERVED_TYPES.has(declared) ? declared : 'application/octet-stream',
    attachment_size: file.size,
  };
}

/** Removes a stored attachment (after a failed insert); a missing file is fine. */
export async function removeAttachment(instancePath: string, stored: string): Promise<void> {
  await rm(join(uploadsDir(instancePath), stored), { force: true });
}
