/** An optional attachment per note: its stored file (a random name in instance/uploads) and metadata. */
import type { Migration } from 'phial/db';

export const up: Migration['up'] = async (db) => {
  // The shown name is sanitised; the stored name is ours; the type is one of an allow-list.
  for (const [column, type] of [['attachment_name', 'text'], ['attachment_file', 'text'], ['attachment_type', 'text'], ['attachment_size', 'integer']] as const) {
    await db.schema.alterTable('notes').addColumn(column, type).execute();
  }
};

export const down: Migration['down'] = async (db) => {
  for (const column of ['attachment_size', 'attachment_type', 'attachment_file', 'attachment_name']) {
    await db.schema.alterTable('notes').dropColumn(column).execute();
  }
};
