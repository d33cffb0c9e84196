/**
 * Field-level encryption for sensitive columns: AES-256-GCM with a keyring, so keys can rotate
 * while old rows stay readable, and an optional blind index for equality lookups.
 *
 * This is the "encryption at rest" that disk encryption does not give: a database dump, a
 * backup, a replica or a SQL-injection `SELECT` sees ciphertext, not the value. The key lives in
 * the app's config (a `*_FILE` secret), never in the database.
 *
 * Stored form, one self-describing ASCII string per value (no `.` inside any part):
 *
 * ```text
 * v1.<keyId>.<iv>.<ciphertext>.<tag>     iv: 12 bytes, tag: 16 bytes, all three base64url without padding
 * ```
 *
 * The GCM additional authenticated data (AAD) is `"v1.<keyId>."` followed by the caller's
 * associated data, so neither the header nor the row/column binding can be changed without the
 * tag failing (NIST SP 800-38D; the AAD binding is the "context" of OWASP's Cryptographic
 * Storage Cheat Sheet).
 *
 * @module
 */
import {
  createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject,
} from 'node:crypto';
import type { Kysely } from 'kysely';
import { ConfigError } from '../errors/config-error.ts';
import { PhialError } from '../errors/phial-error.ts';
import { shown } from '../util/env.ts';
import { openAesGcm, sealAesGcm } from '../crypto/aes-gcm.ts';
import { IV_BYTES, KEY_ID, aadBytes, formatValue, fullAad, parse, plaintextBytes, type FieldAad } from './field-format.ts';

export type { FieldAad } from './field-format.ts';

/** Key bytes: a `Buffer`/`Uint8Array`, or a string of 64 hex digits or base64/base64url (32 bytes either way). */
export type KeyMaterial = string | Uint8Array;

/**
 * Keys by id, and which one encrypts. Decryption picks the key named in the stored value, so an
 * old key stays in `keys` until {@link FieldEncryption.rotateColumn} (or {@link FieldEncryption.rotate})
 * has moved every value to `current`; then it can be removed.
 *
 * Key ids are 1–32 characters of `A-Z a-z 0-9 _ -`; they are stored in clear beside each value.
 *
 * @example
 * { current: 'k2', keys: { k1: process.env.OLD_KEY!, k2: readFileSync('/run/secrets/field_key') } }
 */
export interface Keyring {
  readonly current: string;
  readonly keys: Readonly<Record<string, KeyMaterial>>;
}


/** Options of {@link FieldEncryption}. */
export interface FieldEncryptionOptions {
  /** The encryption keys (32 bytes each). */
  readonly keyring: Keyring;
  /**
   * A separate 32-byte key for {@link FieldEncryption.blindIndex}. Must differ from every key of
   * the keyring. Without it, `blindIndex` throws.
   */
  readonly blindIndexKey?: KeyMaterial;
}

/** Options of {@link FieldEncryption.rotateColumn}. */
export interface RotateColumnOptions {
  /** Table name, `^[A-Za-z_][A-Za-z0-9_]*$`. */
  readonly table: string;
  /** Optional schema of the table (PostgreSQL), same pattern. Default: the connection's search path. */
  readonly schema?: string;
  /** A unique, orderable column (the primary key), same pattern. Rows are walked in its order. */
  readonly idColumn: string;
  /** The encrypted column, same pattern. `NULL` values are skipped. */
  readonly column: string;
  /** The associated data each value was encrypted with, from the row's id (as the driver returns it). */
  readonly aad?: (id: unknown) => FieldAad;
  /** Rows read per transaction, 1–100 000. Default 500. */
  readonly batchSize?: number;
}

/** What {@link FieldEncryption.rotateColumn} did. */
export interface RotateColumnResult {
  /** Non-NULL values read. */
  readonly scanned: number;
  /** Values re-encrypted under the current key and written. */
  readonly rotated: number;
  /** Values that changed between read and write (a concurrent update won; it used the current key). */
  readonly skipped: number;
}

/** The stable code of every {@link DecryptionError}. */
export const DECRYPTION_ERROR_CODE = 'PHIAL_E_DB_DECRYPT';

/**
 * A stored value could not be decrypted: malformed, tampered with, encrypted for other associated
 * data, or under a key id the keyring does not hold. Which one is deliberately not said (no
 * decryption oracle, nothing useful in logs); `code` is always {@link DECRYPTION_ERROR_CODE}.
 */
export class DecryptionError extends PhialError {
  /** Always `'PHIAL_E_DB_DECRYPT'`. */
  declare readonly code: typeof DECRYPTION_ERROR_CODE;

  constructor() {
    super(DECRYPTION_ERROR_CODE, 'The encrypted value could not be decrypted.');
  }
}

/** Identifiers that may appear in generated SQL (also Kysely's: a `.` would mean schema.table). */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const KEY_BYTES = 32;
// ignoreBOM keeps a leading U+FEFF that the plaintext had; fatal refuses bytes that are not UTF-8.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Encrypts and decrypts column values with AES-256-GCM under a {@link Keyring}.
 *
 * Every encryption draws a fresh random 96-bit IV. With random IVs NIST SP 800-38D §8.3 caps one
 * key at 2^32 encryptions: rotate to a new key long before (for most apps, years of writes).
 * Keys are held as `KeyObject`s in private fields, so logging or inspecting the object shows none.
 *
 * @example
 * const fields = new FieldEncryption({ keyring: { current: 'k1', keys: { k1: config.FIELD_KEY } } });
 * const stored = fields.encrypt('123-45-6789', ['users', 'ssn', user.id]);
 * const ssn = fields.decrypt(row.ssn, ['users', 'ssn', row.id]);
 */
export class FieldEncryption {
  readonly #current: string;
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #blindKey: KeyObject | undefined;

  /**
   * @throws {ConfigError} `PHIAL_E_BAD_VALUE` naming the setting (`keyring.keys.<id>`, `keyring.current`,
   *   `blindIndexKey`) when a key id is malformed, a key is not exactly 32 bytes, `current` names no
   *   key, or the blind-index key equals an encryption key; `PHIAL_E_SECRET_WEAK` for a key whose
   *   bytes are all the same (a placeholder). Key bytes are never part of a message.
   */
  constructor(options: FieldEncryptionOptions) {
    const keyring = (options as Partial<FieldEncryptionOptions> | undefined)?.keyring;
    if (keyring === null || typeof keyring !== 'object') {
      throw new ConfigError('PHIAL_E_BAD_VALUE', 'keyring', 'expected { current, keys }');
    }
    const keys = keyring.keys as unknown;
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) {
      throw new ConfigError('PHIAL_E_BAD_VALUE', 'keyring.keys', 'expected an object of key id → 32-byte key');
    }
    const raw = new Map<string, Buffer>();
    for (const [id, material] of Object.entries(keys as Record<string, unknown>)) {
      if (!KEY_ID.test(id)) {
        throw new ConfigError('PHIAL_E_BAD_VALUE', 'keyring.keys', `key id ${shown(id)} must be 1-32 characters of A-Z a-z 0-9 _ -`);
      }
      raw.set(id, keyBytes(`keyring.keys.${id}`, material));
    }
    if (typeof keyring.current !== 'string' || !raw.has(keyring.current)) {
      throw new ConfigError('PHIAL_E_BAD_VALUE', 'keyring.current',
        `${shown(keyring.current)} is not one of the key ids (${[...raw.keys()].join(', ') || 'none'})`);
    }
    let blind: Buffer | undefined;
    if (options.blindIndexKey !== undefined) {
      blind = keyBytes('blindIndexKey', options.blindIndexKey);
      for (const [id, k] of raw) {
        // A key used both for encryption and as an HMAC key breaks the separation the index relies on.
        if (timingSafeEqual(k, blind)) throw new ConfigError('PHIAL_E_BAD_VALUE', 'blindIndexKey', `must differ from keyring.keys.${id}`);
      }
    }
    this.#current = keyring.current;
    this.#keys = new Map([...raw].map(([id, k]) => [id, createSecretKey(k)]));
    this.#blindKey = blind && createSecretKey(blind);
    for (const k of raw.values()) k.fill(0);
    blind?.fill(0);
  }

  /** The id of the key new values are encrypted under. */
  get currentKeyId(): string { return this.#current; }

  /** The key ids this instance can decrypt. */
  get keyIds(): string[] { return [...this.#keys.keys()]; }

  /**
   * Encrypts a value under the current key with a fresh random IV.
   * @param plaintext a string (encrypted as UTF-8) or bytes
   * @param aad associated data the value belongs to, e.g. `[table, column, id]`; see {@link FieldAad}
   * @returns `v1.<keyId>.<iv>.<ciphertext>.<tag>` (ASCII, about 4/3 of the plaintext bytes + 50)
   * @throws {TypeError} when `plaintext` is neither a string nor bytes, a string holds a lone
   *   surrogate (not representable in UTF-8), or `aad` is malformed
   */
  encrypt(plaintext: string | Uint8Array, aad?: FieldAad): string {
    const data = plaintextBytes(plaintext);
    const iv = randomBytes(IV_BYTES);
    return formatValue(this.#current, iv, sealAesGcm(this.#keys.get(this.#current)!, iv, data, fullAad(this.#current, aad)));
  }

  /**
   * Decrypts a value made by {@link encrypt} from a string plaintext.
   * @throws {DecryptionError} when the value is malformed, was changed, was encrypted with other
   *   `aad`, or names a key id not in the keyring (one error for all, by design)
   * @throws {TypeError} when the plaintext was bytes that are not UTF-8 (use {@link decryptBuffer}),
   *   or `aad` is malformed (a programming error, not a property of the stored value)
   */
  decrypt(value: string, aad?: FieldAad): string {
    const bytes = this.decryptBuffer(value, aad);
    try {
      return utf8.decode(bytes);
    } catch {
      throw new TypeError('The decrypted value is not UTF-8 text; it was encrypted from bytes, use decryptBuffer().');
    }
  }

  /**
   * Decrypts a value to its bytes.
   * @throws {DecryptionError} as {@link decrypt}
   */
  decryptBuffer(value: string, aad?: FieldAad): Buffer {
    const p = parse(value);
    const key = p && this.#keys.get(p.keyId);
    if (!p || !key) throw new DecryptionError();
    const plain = openAesGcm(key, p.iv, Buffer.concat([p.ct, p.tag]), fullAad(p.keyId, aad));
    if (plain === null) throw new DecryptionError();
    return plain;
  }

  /**
   * The key id a stored value names, without decrypting it (nothing is authenticated).
   * @throws {DecryptionError} when the value is not in the `v1` format
   */
  keyIdOf(value: string): string {
    const p = parse(value);
    if (!p) throw new DecryptionError();
    return p.keyId;
  }

  /**
   * Whether a stored value is under a key other than the current one. Reads the header only.
   * @throws {DecryptionError} when the value is not in the `v1` format
   */
  needsRotation(value: string): boolean {
    return this.keyIdOf(value) !== this.#current;
  }

  /**
   * Decrypts a value (authenticating it) and encrypts the plaintext again under the current key
   * with a new IV, with the same associated data.
   * @throws {DecryptionError} as {@link decrypt}
   */
  rotate(value: string, aad?: FieldAad): string {
    return this.encrypt(this.decryptBuffer(value, aad), aad);
  }

  /**
   * Moves every value of a column to the current key: rows are read in `idColumn` order in
   * batches, each batch in its own transaction (`db.transaction()`), and a value is written back
   * only if it is still the value that was read (`UPDATE … WHERE id = ? AND column = ?`), so a
   * concurrent write by the app is never overwritten. Safe to interrupt and run again; values
   * already under the current key are left alone. Written with Kysely's query builder only; the
   * identifiers are checked against {@link SQL_IDENTIFIER} and then quoted by Kysely.
   *
   * Run it with every old key still in the keyring; once it returns, the old keys can be dropped
   * (check with a second run: `rotated` is 0 and it throws for no row).
   *
   * @param db a Kysely instance (not a transaction: each batch opens one)
   * @throws {TypeError} for an identifier outside the pattern or a bad `batchSize`
   * @throws {Error} naming the table, column and row id when a value cannot be decrypted (its
   *   `cause` is the {@link DecryptionError}); batches before it stay committed
   */
  async rotateColumn<DB>(db: Kysely<DB>, options: RotateColumnOptions): Promise<RotateColumnResult> {
    const { table, idColumn, column } = options;
    for (const [what, name] of [['table', table], ['idColumn', idColumn], ['column', column], ['schema', options.schema]] as const) {
      if (what === 'schema' && name === undefined) continue;
      if (typeof name !== 'string' || !SQL_IDENTIFIER.test(name)) {
        throw new TypeError(`rotateColumn: ${what} ${shown(name)} is not an SQL identifier (${SQL_IDENTIFIER.source})`);
      }
    }
    if (idColumn === column) throw new TypeError('rotateColumn: idColumn and column must differ');
    const batchSize = options.batchSize ?? 500;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
      throw new TypeError(`rotateColumn: batchSize must be an integer from 1 to 100000, got ${shown(batchSize)}`);
    }
    // The table is only known at run time; Kysely's types cannot follow, the SQL is still built by it.
    const base = db as unknown as Kysely<DynamicDB>;
    const { schema } = options;
    const aadOf = options.aad ?? (() => undefined);
    let scanned = 0;
    let rotated = 0;
    let skipped = 0;
    let after: unknown;
    for (;;) {
      const last = await base.transaction().execute(async (t) => {
        const trx = schema === undefined ? t : t.withSchema(schema);
        let select = trx.selectFrom(table).select([idColumn, column]).where(column, 'is not', null);
        if (after !== undefined) select = select.where(idColumn, '>', after);
        const rows = await select.orderBy(idColumn).limit(batchSize).execute();
        for (const row of rows) {
          scanned++;
          const id = row[idColumn];
          const value = row[column];
          const aad = aadOf(id);
          let fresh: string;
          try {
            if (typeof value !== 'string') throw new DecryptionError();
            if (!this.needsRotation(value)) continue;
            fresh = this.rotate(value, aad);
          } catch (err) {
            throw new Error(`rotateColumn: ${table}.${column} of row ${shown(id)} could not be decrypted`, { cause: err });
          }
          const res = await trx.updateTable(table)
            .set(column, fresh)
            .where(idColumn, '=', id)
            .where(column, '=', value)
            .executeTakeFirst();
          if (res.numUpdatedRows > 0n) rotated++;
          else skipped++;
        }
        return { count: rows.length, id: rows.length ? rows[rows.length - 1]![idColumn] : undefined };
      });
      if (last.count < batchSize) break;
      after = last.id;
    }
    return { scanned, rotated, skipped };
  }

  /**
   * A deterministic index of a value for equality lookups on an encrypted column:
   * `HMAC-SHA256(blindIndexKey, context || value)`, base64url (43 characters).
   * Store it in its own column, index that column, and query with `where(col_bidx, '=', blindIndex(v, ctx))`.
   *
   * Leakage, by design of any deterministic index: equal plaintexts in the same context have
   * equal indexes, so whoever reads the table sees which rows share a value and how often each
   * value occurs (frequency analysis on low-cardinality columns, e.g. a country, reveals the
   * values). Guessing needs the key: without it the index cannot be brute-forced, with it any
   * low-entropy value (a phone number, a date of birth) can. Normalise before indexing
   * (e.g. lower-case an e-mail address) or equal values will not match. Changing the blind-index
   * key means recomputing every index. The `context` (e.g. `['users', 'email']`) keeps equal
   * values in different columns from being linkable.
   *
   * @throws {Error} when no `blindIndexKey` was configured
   * @throws {TypeError} for a plaintext or context that {@link encrypt} would refuse
   */
  blindIndex(value: string | Uint8Array, context?: FieldAad): string {
    if (!this.#blindKey) throw new Error('blindIndex needs a blindIndexKey in the FieldEncryption options');
    const hmac = createHmac('sha256', this.#blindKey);
    hmac.update(aadBytes(context));
    hmac.update(plaintextBytes(value));
    return hmac.digest('base64url');
  }

  /** Never shows keys, whatever logs the object. */
  toJSON(): { current: string; keyIds: string[] } {
    return { current: this.#current, keyIds: this.keyIds };
  }
}

type DynamicDB = Record<string, Record<string, unknown>>;

function keyBytes(setting: string, material: unknown): Buffer {
  if (!(material instanceof Uint8Array) && typeof material !== 'string') {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting, `expected a 32-byte key as a Buffer, 64 hex digits or base64, got ${material === null ? 'null' : typeof material}`);
  }
  const b = typeof material === 'string' ? decodeKeyString(material.trim()) : Buffer.from(material);
  if (!b || b.length !== KEY_BYTES) {
    throw new ConfigError('PHIAL_E_BAD_VALUE', setting,
      `must be exactly 32 bytes (a Buffer, 64 hex digits or base64), got ${b ? `${b.length} bytes` : 'neither hex nor base64'}`);
  }
  if (b.every((x) => x === b[0])) {
    throw new ConfigError('PHIAL_E_SECRET_WEAK', setting, 'is one byte repeated, a placeholder; generate one with `openssl rand -base64 32`');
  }
  return b;
}

// 64 hex digits are read as hex (as base64 they would be 48 bytes, never a valid key); anything
// else must be canonical base64 or base64url, padding optional.
function decodeKeyString(s: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  const body = s.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]+$/.test(body) && !/^[A-Za-z0-9_-]+$/.test(body)) return undefined;
  const b = Buffer.from(body, body.includes('+') || body.includes('/') ? 'base64' : 'base64url');
  return b.toString('base64url') === body.replace(/\+/g, '-').replace(/\//g, '_') ? b : undefined;
}

