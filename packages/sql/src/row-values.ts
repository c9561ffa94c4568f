/**
 * Normalises what drivers return for the binary and integer columns.
 *
 * @packageDocumentation
 */
import { CorruptPayloadError } from '@cache/core';

/** UTF-8 bytes of a TEXT value, as a plain `Uint8Array` that owns its memory. */
const encoder = new TextEncoder();

/**
 * A driver's binary column value as a plain `Uint8Array` (what the Store
 * contract returns: a `Buffer` subclass would not compare equal to a
 * `Uint8Array` in strict test assertions).
 *
 * A buffer that owns its whole `ArrayBuffer` is wrapped without a copy; a slice of
 * a shared pool (pg decodes small `bytea` into Node's buffer pool) is copied, so
 * the caller never sees or keeps alive unrelated memory.
 *
 * @throws `TypeError` for anything that is not binary (use {@link toValueBytes}
 *   for the `value` column, which names the problem as a corrupt entry)
 */
export function toBytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) {
    if (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength) {
      return raw.constructor === Uint8Array ? raw : new Uint8Array(raw.buffer, 0, raw.byteLength);
    }
    // Not slice(): on a Buffer it would return a Buffer again (species constructor).
    return new Uint8Array(raw);
  }
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw.slice(0));
  throw new TypeError(`expected a binary column value, got ${sqlTypeOf(raw)}`);
}

/**
 * The `value` column of `key`'s row as bytes. The store only ever writes bytes
 * (BLOB / BYTEA / LONGBLOB); SQLite's dynamic typing also lets another tool store
 * TEXT there (`sqlite3`'s `INSERT … VALUES ('…')`), which reads as its UTF-8
 * bytes, so values written by hand as text keep working. An INTEGER, REAL or NULL
 * has no byte form and is refused rather than guessed at.
 *
 * @throws `CorruptPayloadError` when the column holds neither bytes nor text
 */
export function toValueBytes(raw: unknown, key: string): Uint8Array {
  if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) return toBytes(raw);
  if (typeof raw === 'string') return encoder.encode(raw);
  throw new CorruptPayloadError(
    `the stored value of "${key}" is ${sqlTypeOf(raw)}, not bytes (BLOB) or text: ` +
      'it was not written by this store (another tool wrote to the table?)',
  );
}

/**
 * A driver's integer column value as a number. pg returns `bigint` columns as
 * strings; mysql2 and better-sqlite3 as numbers (or `bigint` in safe-integer mode).
 */
export function toInteger(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint' || typeof raw === 'string') return Number(raw);
  if (raw === null || raw === undefined) return 0;
  throw new TypeError(`expected an integer column value, got ${typeof raw}`);
}

/** How a column value a driver returned reads as an SQL type, for error messages. */
function sqlTypeOf(raw: unknown): string {
  if (raw === null || raw === undefined) return 'NULL';
  if (typeof raw === 'string') return 'TEXT';
  if (typeof raw === 'bigint' || (typeof raw === 'number' && Number.isInteger(raw))) return 'an INTEGER';
  if (typeof raw === 'number') return 'a REAL';
  return `a ${typeof raw}`;
}
