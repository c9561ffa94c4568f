/**
 * The quick walk of by-reference values: the common case (plain objects, arrays and
 * primitives nested a few levels, as JSON data is, at the top possibly wrapped in an
 * instance of an ordinary class, or a `Date` or typed array alone) checked and sized
 * in one recursive pass. No allocation, no cycle-detection path, no `instanceof`
 * chain per object, primitives handled inline.
 *
 * It either returns exactly what the full walk (`ValueMeter`) would, or gives up and
 * the full walk decides: every refusal (a BigInt, a cycle: it nests without end), every
 * value over the limit, every unusual object goes there.
 *
 * @packageDocumentation
 */

import {
  DATE,
  DICTIONARY_PROPERTY,
  FAST_KEYS,
  FAST_PROPERTY,
  HEAP_NUMBER,
  OBJECT,
  OPAQUE,
  STRING,
  SYMBOL,
  VIEW,
} from './value-sizes.js';

/** Returned when the quick walk cannot decide. */
export const UNSURE = -1;

/** Nesting the quick walk follows before giving up (a cycle always ends up in the full walk). */
const QUICK_DEPTH = 32;

/** Prototypes of classes whose instances the quick walk handles (see {@link isOrdinary}). */
const ordinaryPrototypes: object[] = [];
/** How many such prototypes are remembered. */
const KNOWN_CLASSES = 8;

/** Built-ins the full walk treats specially: an object inheriting from one is left to it. */
const SPECIAL_PROTOTYPES: readonly object[] = [
  Date,
  Map,
  Set,
  ArrayBuffer,
  DataView,
  RegExp,
  Error,
  WeakMap,
  WeakSet,
  WeakRef,
  Promise,
  Object.getPrototypeOf(Uint8Array) as typeof Uint8Array,
  ...(typeof SharedArrayBuffer === 'function' ? [SharedArrayBuffer] : []),
].map((type) => type.prototype as object);

/**
 * `base` plus the estimate of `value` as the full walk computes it, or {@link UNSURE}.
 * Exceptions (a throwing getter) propagate, as from the full walk.
 *
 * Work is bounded without counting: every value visited adds at least 12 to the
 * estimate (an element slot), so a walk that stays under `maxTotal` visited at most
 * `maxTotal / 12` values (the full walk's own bound, `MAX_WALKED_VALUES`, when
 * `maxTotal` is 12 times it); past it the full walk takes over.
 *
 * @param limit - give up once the estimate exceeds this (the full walk then decides)
 * @param maxTotal - also give up past this estimate (bounds the work)
 */
export function quickMeasure(value: unknown, base: number, limit: number, maxTotal: number): number {
  const cap = Math.min(limit, maxTotal);
  let total: number;
  if (typeof value !== 'object') total = quickLeaf(value, base);
  else if (value === null) total = base;
  else if (Array.isArray(value)) total = quickData(value, QUICK_DEPTH, base, cap);
  else {
    const proto: unknown = Object.getPrototypeOf(value);
    total =
      proto === Object.prototype || proto === null
        ? quickData(value, QUICK_DEPTH, base, cap)
        : quickInstance(value, proto as object, base, cap);
  }
  // Infinity (from quickData) and anything over the cap: the full walk decides.
  return total >= 0 && total <= cap ? total : UNSURE;
}

/** A leaf: its size added to `total`, or {@link UNSURE} for a BigInt (refused or not depending on where it is). */
function quickLeaf(value: unknown, total: number): number {
  switch (typeof value) {
    case 'string':
      return total + STRING + 2 * value.length;
    case 'number':
      return (value | 0) === value ? total : total + HEAP_NUMBER;
    case 'boolean':
    case 'undefined':
      return total;
    case 'function':
      return total + OPAQUE;
    case 'symbol':
      return total + SYMBOL + 2 * (value.description?.length ?? 0);
    default:
      return UNSURE;
  }
}

/**
 * A top-level object that is not plain: a `Date`, a typed array, an instance of an
 * ordinary class (a DTO, an L1 slot: its own keys, whose values are walked as data),
 * or something for the full walk.
 */
function quickInstance(object: object, proto: object, total: number, cap: number): number {
  if (proto === Date.prototype) return total + DATE;
  if (ArrayBuffer.isView(object)) {
    if (object instanceof BigInt64Array || object instanceof BigUint64Array) return UNSURE;
    return total + VIEW + object.buffer.byteLength;
  }
  if (!isOrdinary(proto)) return UNSURE;
  const record = object as Record<string, unknown>;
  // Own enumerable string keys: exactly what JSON.stringify encodes (getters included).
  const keys = Object.keys(record);
  const count = keys.length;
  total += OBJECT;
  for (let i = 0; i < count && total <= cap; i++) {
    const key = keys[i] as string;
    const item = record[key];
    total += FAST_PROPERTY + 2 * key.length;
    total =
      typeof item === 'object' && item !== null
        ? quickData(item, QUICK_DEPTH - 1, total, cap)
        : quickLeaf(item, total);
    if (total < 0) return UNSURE;
  }
  if (count > FAST_KEYS) total += count * (DICTIONARY_PROPERTY - FAST_PROPERTY);
  return total;
}

/**
 * Plain data below the top: plain objects, arrays, strings, numbers, booleans,
 * `null` and `undefined`; anything else makes the total `Infinity` (over any cap:
 * {@link UNSURE} for the caller), which also stops every loop above it.
 *
 * Deliberately this small, with no call but to itself and the sizes written as
 * literals (an imported constant costs bytecode): under V8's inlining limit (460
 * bytes of bytecode) the recursion is inlined, which makes a nested record ~30 %
 * cheaper (one more branch here measured +20 ns on the 200-byte fixture). The
 * literals are the constants of `value-sizes.ts`, named in the comments; a test
 * checks that this walk and the full walk agree.
 */
function quickData(object: object, depth: number, total: number, cap: number): number {
  if (depth === 0) return Infinity;
  if (Array.isArray(object)) {
    const length = object.length;
    total += 48 + 12 * length; // ARRAY + ELEMENT per element
    for (let i = 0; i < length && total <= cap; i++) {
      const item: unknown = object[i];
      if (typeof item === 'string')
        total += 24 + 2 * item.length; // STRING
      else if (typeof item === 'object') {
        if (item !== null) total = quickData(item, depth - 1, total, cap);
      } else if (typeof item === 'number') {
        if ((item | 0) !== item) total += 16; // HEAP_NUMBER
      } else if (typeof item !== 'boolean' && item !== undefined) return Infinity;
    }
    return total;
  }
  const proto: unknown = Object.getPrototypeOf(object);
  if (proto !== Object.prototype && proto !== null) return Infinity;
  const record = object as Record<string, unknown>;
  total += 56; // OBJECT
  let count = 0;
  // A plain object inherits no enumerable keys: for…in (the fastest walk) sees exactly its own.
  for (const key in record) {
    const item = record[key];
    count++;
    total += 16 + 2 * key.length; // FAST_PROPERTY
    if (typeof item === 'string')
      total += 24 + 2 * item.length; // STRING
    else if (typeof item === 'object') {
      if (item !== null) total = quickData(item, depth - 1, total, cap);
    } else if (typeof item === 'number') {
      if ((item | 0) !== item) total += 16; // HEAP_NUMBER
    } else if (typeof item !== 'boolean' && item !== undefined) return Infinity;
    if (total > cap) return total;
  }
  if (count > 16) total += count * 80; // FAST_KEYS; DICTIONARY_PROPERTY - FAST_PROPERTY per key
  return total;
}

/**
 * Whether instances of `proto` are ordinary objects for the walk: no built-in that
 * the full walk handles specially on their prototype chain. Remembers a few classes,
 * so values of one class (a DTO, an L1 slot) cost one comparison per object.
 */
function isOrdinary(proto: object): boolean {
  const known = ordinaryPrototypes;
  for (let i = 0; i < known.length; i++) if (known[i] === proto) return true;
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (SPECIAL_PROTOTYPES.includes(p)) return false;
  }
  if (known.length < KNOWN_CLASSES) known.push(proto);
  return true;
}
