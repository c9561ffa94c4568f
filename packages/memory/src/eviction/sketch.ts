/**
 * The frequency sketch of the TinyLFU policy: a count-min sketch of how often each
 * key was used recently, in a few bytes per entry, with periodic halving so that
 * old popularity fades.
 *
 * @packageDocumentation
 */

/** Rows of the count-min sketch: a key's estimate is the least of its 4 counters. */
const ROWS = 4;
/** Counters per row per sized entry (a power of two is taken): 8 bytes per entry in all. */
const COUNTERS_PER_ENTRY = 2;
/** Counters saturate here (4-bit counters, as in Caffeine): popularity is relative, not absolute. */
const MAX_COUNT = 15;
/** After this many increments per sized entry every counter is halved (TinyLFU's reset). */
const SAMPLES_PER_ENTRY = 10;
/** The sketch starts sized for this many entries and grows with the store (up to `maxEntries`). */
const INITIAL_ENTRIES = 64;
/** Growth factor when the store outgrows the sketch. */
const GROWTH = 4;

/** Keys up to this long are hashed whole; longer ones by this many characters from each end. */
const HASHED_CHARS = 32;

/**
 * The 32-bit hash of a key the sketch indexes by: FNV-1a over UTF-16 code units, two
 * per step, then murmur3's finaliser. `seed` is per store, so a caller cannot
 * precompute keys that collide in every store. A key longer than 64 characters is
 * hashed by its length and its first and last 32 characters (~1.5 ns per character
 * otherwise, on every insertion): keys that differ only in between share counters,
 * which only blurs their frequency estimates, never what the store returns.
 */
export function hashKey(key: string, seed: number): number {
  const length = key.length;
  let h = (seed ^ length) | 0;
  if (length <= 2 * HASHED_CHARS) h = hashChars(key, 0, length, h);
  else h = hashChars(key, length - HASHED_CHARS, length, hashChars(key, 0, HASHED_CHARS, h));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** FNV-1a of `key[from, to)` into `h`, two code units per step. */
function hashChars(key: string, from: number, to: number, h: number): number {
  let i = from;
  for (; i + 1 < to; i += 2)
    h = Math.imul(h ^ (key.charCodeAt(i) | (key.charCodeAt(i + 1) << 16)), 0x01000193);
  if (i < to) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * A count-min sketch of 4 rows of 8-bit counters capped at 15. A key's 4 counters
 * are found by double hashing (`h + r·g`) from its one 32-bit hash, so an entry
 * keeps its hash and a hit costs no string hashing.
 *
 * Sized lazily: it starts for {@link INITIAL_ENTRIES} entries and grows ×4 (each
 * row tiled into the larger one, which keeps every estimate an over-estimate, as a
 * count-min sketch must) while the store grows, up to `maxEntries`: an empty store
 * with a large bound costs little memory.
 */
export class FrequencySketch {
  private table: Uint8Array;
  /** The same memory by 4 counters, for halving them all at once. */
  private words: Uint32Array;
  /** Counters per row (a power of two). */
  private width: number;
  private mask: number;
  /** Entries the sketch is sized for. */
  private sized: number;
  private samples = 0;
  private sampleSize: number;

  /** @param maxEntries - the store's entry bound: the sketch never grows past it */
  constructor(private readonly maxEntries: number) {
    this.sized = Math.min(maxEntries, INITIAL_ENTRIES);
    this.width = widthFor(this.sized);
    this.mask = this.width - 1;
    this.table = new Uint8Array(this.width * ROWS);
    this.words = new Uint32Array(this.table.buffer);
    this.sampleSize = this.sized * SAMPLES_PER_ENTRY;
  }

  /** Grows the sketch when the store holds more entries than it is sized for. */
  ensureCapacity(entries: number): void {
    if (entries <= this.sized || this.sized >= this.maxEntries) return;
    const sized = Math.min(this.maxEntries, Math.max(entries, this.sized * GROWTH));
    const width = widthFor(sized);
    if (width > this.width) {
      const table = new Uint8Array(width * ROWS);
      for (let row = 0; row < ROWS; row++) {
        const old = this.table.subarray(row * this.width, (row + 1) * this.width);
        for (let at = 0; at < width; at += this.width) table.set(old, row * width + at);
      }
      this.table = table;
      this.words = new Uint32Array(table.buffer);
      this.width = width;
      this.mask = width - 1;
    }
    this.sized = sized;
    this.sampleSize = sized * SAMPLES_PER_ENTRY;
  }

  /**
   * Counts `uses` uses (1–15) of the key with this hash and returns its estimate
   * afterwards (what {@link FrequencySketch.frequency} would return), in one pass.
   */
  increment(hash: number, uses = 1): number {
    const table = this.table;
    const mask = this.mask;
    const width = this.width;
    const step = stepOf(hash);
    // `| 0` keeps the sums in int32 arithmetic (wrapping, as the indexing wants).
    let h = hash;
    let least = add(table, h & mask, uses);
    h = (h + step) | 0;
    least = Math.min(least, add(table, (h & mask) + width, uses));
    h = (h + step) | 0;
    least = Math.min(least, add(table, (h & mask) + 2 * width, uses));
    h = (h + step) | 0;
    least = Math.min(least, add(table, (h & mask) + 3 * width, uses));
    this.samples += uses;
    if (this.samples >= this.sampleSize) {
      this.halve();
      return least >>> 1;
    }
    return least;
  }

  /** The estimated recent uses of the key with this hash (0–15, never an under-estimate before a reset). */
  frequency(hash: number): number {
    const table = this.table;
    const mask = this.mask;
    const width = this.width;
    const step = stepOf(hash);
    let h = hash;
    let least = table[h & mask]!;
    h = (h + step) | 0;
    let count = table[(h & mask) + width]!;
    if (count < least) least = count;
    h = (h + step) | 0;
    count = table[(h & mask) + 2 * width]!;
    if (count < least) least = count;
    h = (h + step) | 0;
    count = table[(h & mask) + 3 * width]!;
    return Math.min(count, least);
  }

  /** Forgets every count (after a flush). */
  clear(): void {
    this.table.fill(0);
    this.samples = 0;
  }

  /** TinyLFU's reset: every counter halved, four at a time, so that old popularity fades. */
  private halve(): void {
    const words = this.words;
    for (let i = 0; i < words.length; i++) words[i] = (words[i]! >>> 1) & 0x7f7f7f7f;
    this.samples >>>= 1;
  }
}

/** Adds `uses` to a counter, saturating at {@link MAX_COUNT}; returns the new count. */
function add(table: Uint8Array, i: number, uses: number): number {
  const count = Math.min(table[i]! + uses, MAX_COUNT);
  table[i] = count;
  return count;
}

/** Counters per row for `entries` entries: a power of two, at least 16. */
function widthFor(entries: number): number {
  return 2 ** Math.max(4, Math.ceil(Math.log2(entries * COUNTERS_PER_ENTRY)));
}

/** The odd step of the double hashing, a second mix of the hash. */
function stepOf(hash: number): number {
  let g = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
  g ^= g >>> 12;
  return g | 1;
}
