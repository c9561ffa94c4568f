/**
 * Sizing and checking of by-reference values: one walk that estimates how many heap
 * bytes a value retains (for `maxBytes`) and refuses what the JSON codec of every other
 * driver would refuse, so that a value the memory store accepts is one Redis would too.
 *
 * Two walks compute the same thing: the quick walk (`quick-walk.ts`) decides plain
 * data, allocation-free, and gives up on anything else; this module's full walk then
 * decides, with a path for cycles and every built-in. A put of a plain 200-byte
 * record costs ~55 ns of walking instead of ~130 ns.
 *
 * @packageDocumentation
 */

import { CacheError, ConfigError, InvalidValueError, type StampedValue, isStampedValue } from '@cache/core';

import {
  SLOT,
  STRING,
  HEAP_NUMBER,
  OBJECT,
  FAST_KEYS,
  FAST_PROPERTY,
  DICTIONARY_PROPERTY,
  ARRAY,
  ELEMENT,
  DATE,
  COLLECTION,
  MAP_ENTRY,
  SET_ENTRY,
  VIEW,
  BUFFER,
  REGEXP,
  ERROR,
  OPAQUE,
  SYMBOL,
  BIGINT,
} from './value-sizes.js';
import { UNSURE, quickMeasure } from './quick-walk.js';

/**
 * Most values (objects, array elements, properties, map keys and values) one walk
 * visits. At ~10–30 ns per value that bounds a put to a few tens of milliseconds however
 * large or pathological (a DAG that repeats one object a billion times) the value is.
 */
export const MAX_WALKED_VALUES = 1_000_000;

/** Builds the error a JSON encode of the same value would have raised on another driver. */
function refuse(what: string): InvalidValueError {
  return new InvalidValueError(`value cannot be encoded as JSON: ${what}`);
}

/**
 * One full walk's state. Instances are pooled (see {@link measureValue}) so a walk
 * allocates little (a class instance costs one `Object.keys` array). Recursion follows
 * the value's nesting; `path` holds the objects being walked, which is how a cycle is
 * told apart from a shared object (JSON encodes a shared object twice, and so does
 * this estimate).
 */
class ValueMeter {
  total = 0;
  limit = 0;
  remaining = 0;
  truncated = false;
  readonly path: object[] = [];

  /**
   * Counts `parts` more values against {@link MAX_WALKED_VALUES}; past it, marks the
   * walk truncated and makes every loop stop. Containers count their elements up front,
   * so primitives cost no bookkeeping.
   */
  private spend(parts: number): boolean {
    this.remaining -= parts;
    if (this.remaining >= 0) return true;
    this.truncated = true;
    this.limit = -1; // unwinds every loop
    return false;
  }

  visit(value: unknown, strict: boolean): void {
    switch (typeof value) {
      case 'string':
        this.total += STRING + 2 * value.length;
        return;
      case 'number':
        if ((value | 0) !== value) this.total += HEAP_NUMBER;
        return;
      case 'object':
        if (value !== null) this.visitObject(value, strict);
        return;
      case 'bigint':
        // JSON.stringify throws on a BigInt it meets; one inside a Map/Set it never sees.
        if (strict) throw refuse('it contains a BigInt');
        this.total += BIGINT + Math.ceil(value.toString(16).length / 16) * 8;
        return;
      case 'symbol':
        this.total += SYMBOL + 2 * (value.description?.length ?? 0);
        return;
      case 'function':
        this.total += OPAQUE;
        return;
      default: // boolean, undefined: no storage beyond the slot
        return;
    }
  }

  private visitObject(object: object, strict: boolean): void {
    const path = this.path;
    if (path.includes(object)) {
      if (strict) throw refuse('it contains a cycle');
      return; // a cycle through a Map/Set or toJSON object: already counted
    }
    if (Array.isArray(object)) {
      const length = object.length;
      if (!this.spend(length + 1)) return;
      this.total += ARRAY + ELEMENT * length;
      path.push(object);
      for (let i = 0; i < length && this.total <= this.limit; i++) this.visit(object[i], strict);
      path.pop();
      return;
    }
    const proto = Object.getPrototypeOf(object);
    const plain = proto === Object.prototype || proto === null;
    if (!plain && this.visitBuiltin(object, strict)) return;
    // Whatever `toJSON` returns is what JSON encodes: its contents are sized, not checked.
    const childStrict = strict && typeof (object as { toJSON?: unknown }).toJSON !== 'function';
    const record = object as Record<string, unknown>;
    if (!this.spend(1)) return;
    this.total += OBJECT;
    path.push(object);
    let count = 0;
    if (plain) {
      // for…in is the fastest walk of own keys, and a plain object inherits no enumerable ones.
      for (const key in record) {
        count++;
        this.total += FAST_PROPERTY + 2 * key.length;
        this.visit(record[key], childStrict);
        if (this.total > this.limit) return;
      }
      if (!this.spend(count)) return;
    } else {
      // Own enumerable string keys: exactly what JSON.stringify encodes (getters included).
      const keys = Object.keys(record);
      count = keys.length;
      if (!this.spend(count)) return;
      for (let i = 0; i < count; i++) {
        const key = keys[i] as string;
        this.total += FAST_PROPERTY + 2 * key.length;
        this.visit(record[key], childStrict);
        if (this.total > this.limit) return;
      }
    }
    if (count > FAST_KEYS) this.total += count * (DICTIONARY_PROPERTY - FAST_PROPERTY);
    path.pop();
  }

  /**
   * Built-ins whose storage is not in enumerable properties. Returns `true` when the
   * object is fully accounted for; `false` to walk its own properties as well.
   */
  private visitBuiltin(object: object, strict: boolean): boolean {
    if (object instanceof Date) {
      this.total += DATE;
      return true;
    }
    if (ArrayBuffer.isView(object)) {
      // JSON encodes a BigInt64Array's elements, which are BigInts.
      if (
        strict &&
        (object instanceof BigInt64Array || object instanceof BigUint64Array) &&
        object.length > 0
      )
        throw refuse('it contains a BigInt64Array');
      this.total += VIEW + object.buffer.byteLength;
      return true;
    }
    if (object instanceof Map) {
      if (!this.spend(2 * object.size + 1)) return true;
      this.total += COLLECTION + MAP_ENTRY * object.size;
      // JSON encodes a Map as `{}`: its entries are sized but never checked.
      this.path.push(object);
      for (const [key, value] of object) {
        if (this.total > this.limit) return true;
        this.visit(key, false);
        this.visit(value, false);
      }
      this.path.pop();
      return true;
    }
    if (object instanceof Set) {
      if (!this.spend(object.size + 1)) return true;
      this.total += COLLECTION + SET_ENTRY * object.size;
      this.path.push(object);
      for (const value of object) {
        if (this.total > this.limit) return true;
        this.visit(value, false);
      }
      this.path.pop();
      return true;
    }
    if (object instanceof ArrayBuffer || object instanceof SharedArrayBuffer) {
      this.total += BUFFER + object.byteLength;
      return true;
    }
    if (object instanceof RegExp) {
      this.total += REGEXP + 2 * object.source.length;
      return false;
    }
    if (object instanceof Error) {
      this.total += ERROR + 2 * object.message.length;
      return false;
    }
    if (
      object instanceof WeakMap ||
      object instanceof WeakSet ||
      object instanceof WeakRef ||
      object instanceof Promise
    ) {
      this.total += OPAQUE;
      return false;
    }
    return false;
  }
}

let idle: ValueMeter | undefined;

/** The quick walk's work bound: each value it visits adds at least 12 (see `quickMeasure`). */
const QUICK_MAX_TOTAL = 12 * MAX_WALKED_VALUES;

/** What a {@link StampedValue} adds around the value it wraps: the object and its four fields. */
const ENVELOPE = OBJECT + 4 * FAST_PROPERTY + 3 * HEAP_NUMBER;

/** The error a failed walk reports: a refusal as it is, anything else (a throwing getter, a stack overflow) wrapped. */
function walkError(error: unknown): CacheError {
  if (error instanceof CacheError) return error;
  // A throwing getter or proxy trap, or a nesting too deep for the stack: JSON.stringify fails on these too.
  return new InvalidValueError(`value cannot be encoded as JSON: ${(error as Error)?.message}`, {
    cause: error,
  });
}

/**
 * Estimated heap bytes retained by a by-reference value, checking on the way that the
 * JSON codec could encode it, as every other driver would before storing it.
 *
 * Refused, with the `InvalidValueError` the JSON codec raises: a top-level
 * `undefined`, function or symbol (JSON has no text for them), any BigInt JSON would
 * meet, and cycles. Accepted as JSON accepts them: nested functions, symbols and
 * `undefined` (dropped or `null` in JSON), `Map`/`Set` (encoded as `{}`; their contents
 * are sized but not checked), objects with a `toJSON` method (contents sized, not
 * checked). A {@link StampedValue} is measured with the value it wraps.
 *
 * @param value - the value to store
 * @param limit - stop walking once the estimate exceeds this (the entry will not fit
 *   anyway) and return a number above it; `Infinity` to check the whole value
 * @returns the estimate, or a number above `limit`
 * @throws `InvalidValueError` for a value JSON could not encode, for an exception thrown
 *   while reading it (a getter, a proxy), or, with a finite `limit`, for a value with
 *   more than {@link MAX_WALKED_VALUES} values (too large to measure: pass `sizeOf`).
 *   With an infinite `limit` such a value is checked up to that bound only.
 */
export function measureValue(value: unknown, limit: number): number {
  return measure(value, limit, true);
}

/** {@link measureValue} by the full walk alone: tests check the quick walk against it. */
export function measureValueFully(value: unknown, limit: number): number {
  return measure(value, limit, false);
}

function measure(value: unknown, limit: number, quickly: boolean): number {
  // Primitives need no walk (the common counter / flag / short string values). Each
  // counts at least the entry's slot, and a number its box: never less than its JSON text.
  if (typeof value === 'string') return STRING + 2 * value.length;
  if (typeof value === 'number') return SLOT + HEAP_NUMBER;
  if (typeof value === 'boolean' || value === null) return SLOT;
  let inner: unknown = value;
  let base = 0;
  try {
    // An envelope of read-through metadata (from any copy of core: a brand, not instanceof).
    if (isStampedValue(inner)) {
      base = ENVELOPE;
      inner = inner.value;
    }
    const type = typeof inner;
    if (type === 'undefined' || type === 'function' || type === 'symbol') {
      throw new InvalidValueError(`value of type ${type} cannot be encoded as JSON`);
    }
    // Plain data is decided here; anything unusual (and every refusal) by the full walk below.
    if (quickly) {
      const quick = quickMeasure(inner, base, limit, QUICK_MAX_TOTAL);
      if (quick !== UNSURE) return quick;
    }
  } catch (error) {
    throw walkError(error);
  }
  const meter = idle ?? new ValueMeter();
  idle = undefined; // a getter that writes to a store re-enters with its own meter
  meter.total = base;
  meter.limit = limit;
  meter.remaining = MAX_WALKED_VALUES;
  meter.truncated = false;
  try {
    meter.visit(inner, true);
  } catch (error) {
    meter.path.length = 0;
    idle = meter;
    throw walkError(error);
  }
  // A walk cut short (over the limit) leaves objects on the path; a complete one does not.
  if (meter.path.length !== 0) meter.path.length = 0;
  idle = meter;
  if (meter.truncated && Number.isFinite(limit)) {
    throw new InvalidValueError(
      `value has more than ${MAX_WALKED_VALUES} parts: too large to measure for maxBytes; pass sizeOf`,
    );
  }
  return meter.total;
}

/**
 * What a by-reference entry counts against `maxBytes`, after checking the value as the
 * JSON codec would (one walk does both; with a byte bound it stops as soon as the value
 * cannot fit): `key.length * 2` plus `sizeOf(value)` or {@link measureValue}'s estimate.
 *
 * @param maxBytes - the store's bound, `undefined` when unbounded (then nothing is sized: 0)
 * @param sizeOf - the caller's sizer, called only with a bound
 * @throws `InvalidValueError` as {@link measureValue}; `ConfigError` when `sizeOf`
 *   returns something that is not a size
 */
export function sizeReferenceValue(
  key: string,
  value: unknown,
  maxBytes: number | undefined,
  sizeOf: ((value: unknown) => number) | undefined,
): number {
  const keyBytes = key.length * 2;
  if (sizeOf === undefined || maxBytes === undefined) {
    const estimate = measureValue(
      value,
      maxBytes === undefined ? Number.POSITIVE_INFINITY : maxBytes - keyBytes,
    );
    return maxBytes === undefined ? 0 : keyBytes + estimate;
  }
  measureValue(value, Number.POSITIVE_INFINITY);
  const size = sizeOf(value);
  if (typeof size !== 'number' || !Number.isFinite(size) || size < 0) {
    throw new ConfigError(`MemoryStore sizeOf must return a non-negative finite number, got ${String(size)}`);
  }
  return keyBytes + size;
}
