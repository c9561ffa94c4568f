/**
 * Normalises what drivers return for the binary and integer columns.
 *
 * @packageDocumentation
 */

const encoder = new TextEncoder();

/**
 * A driver's binary column value as a plain `Uint8Array` (what the Store
 * contract returns: a `Buffer` subclass would not compare equal to a
 * `Uint8Array` in strict test assertions).
 *
 * A buffer that owns its whole `ArrayBuffer` is wrapped without a copy; a slice of
 * a shared pool (pg decodes small `bytea` into Node's buffer pool) is copied, so
 * the caller never sees or keeps alive unrelated memory.
 */
export function toBytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) {
    if (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength) {
      return raw.constructor === Uint8Array ? raw : new Uint8Array(raw.buffer, 0, raw.byteLength);
    }
    // Not slice(): on a Buffer it would return a Buffer again (species constructor).
    return new Uint8Array(raw);
  }
  // A column written as TEXT by a foreign writer still reads as its UTF-8 bytes.
  if (typeof raw === 'string') return encoder.encode(raw);
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw.slice(0));
  throw new TypeError(`expected a binary column value, got ${raw === null ? 'null' : typeof raw}`);
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
