/**
 * The per-type heap estimates the value meter and its quick walk share.
 *
 * @packageDocumentation
 */

// Per-type estimates in bytes, for a 64-bit V8 heap without pointer compression (Node's
// default), measured with `process.memoryUsage()` over 20,000 instances of each shape
// and rounded up. They include V8's usual slack (preallocated object slots, array and
// hash table growth) so that the estimate stays at or above what the value retains.
/** One reference held in a container: a property, element or entry slot. */
export const SLOT = 8;
/** String header; characters count 2 bytes each (the two-byte worst case). */
export const STRING = 24;
/** A number that is not a small integer lives in its own heap box. */
export const HEAP_NUMBER = 16;
/** A plain object or class instance with its preallocated in-object slots. */
export const OBJECT = 56;
/**
 * Objects with more own keys than this are counted as V8 keeps objects used as
 * dictionaries (keyed stores switch them to a hash table past ~16 properties).
 */
export const FAST_KEYS = 16;
/** Per property of a small object: its slot plus slack; the key's characters are added. */
export const FAST_PROPERTY = 2 * SLOT;
/** Per property of a large object: its share of a half-empty hash table (3 words per entry), plus an unshared key string. */
export const DICTIONARY_PROPERTY = 72 + STRING;
/** An array and its backing store header. */
export const ARRAY = 48;
/** Per element: its slot plus growth slack of the backing store. */
export const ELEMENT = 12;
/** A `Date` object. */
export const DATE = 104;
/** `Map`/`Set` objects with their initial hash table. */
export const COLLECTION = 200;
/** Per entry of a half-empty ordered hash table: 3 (Map) or 2 (Set) words per slot, plus buckets. */
export const MAP_ENTRY = 56;
/** Per entry of a `Set` (see {@link MAP_ENTRY}). */
export const SET_ENTRY = 40;
/** Typed array or `DataView` object; its buffer's bytes are added (the whole buffer, which a view retains). */
export const VIEW = 192;
/** An `ArrayBuffer` object; its bytes are added. */
export const BUFFER = 96;
/** A `RegExp` object; its source's characters are added. */
export const REGEXP = 128;
/** An `Error` with its captured stack trace. */
export const ERROR = 1024;
/** Objects whose contents cannot be enumerated (functions, `WeakMap`, `Promise` …): a fixed guess. */
export const OPAQUE = 96;
/** A symbol; its description's characters are added. */
export const SYMBOL = 32;
/** A BigInt header; its digits are added by 64-bit word. */
export const BIGINT = 24;
