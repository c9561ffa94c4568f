/**
 * Reproducible request traces for the hit-ratio benchmark, and Bélády's offline
 * optimum for a trace: the upper bound no online policy can beat.
 *
 * A trace is an `Int32Array` of key ids. Every generator takes a seed and uses
 * {@link seededRandom}, so a trace is the same on every run and machine.
 *
 * @packageDocumentation
 */

/** A uniform generator in [0, 1) from a 32-bit seed (mulberry32: fast, and good enough for sampling). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` requests drawn from a Zipf distribution of exponent `alpha` over `keys` keys:
 * the key of popularity rank r is drawn with probability ∝ 1/r^alpha. Ranks are mapped
 * to ids by a seeded shuffle, so popularity is not correlated with the id.
 */
export function zipfTrace(keys: number, alpha: number, count: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const cumulative = new Float64Array(keys);
  let sum = 0;
  for (let rank = 0; rank < keys; rank++) {
    sum += 1 / (rank + 1) ** alpha;
    cumulative[rank] = sum;
  }
  const idOfRank = new Int32Array(keys);
  for (let i = 0; i < keys; i++) idOfRank[i] = i;
  for (let i = keys - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = idOfRank[i]!;
    idOfRank[i] = idOfRank[j]!;
    idOfRank[j] = swap;
  }
  const trace = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    // Inverse transform sampling: the first rank whose cumulative weight reaches u.
    const u = random() * sum;
    let low = 0;
    let high = keys - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (cumulative[mid]! < u) low = mid + 1;
      else high = mid;
    }
    trace[n] = idOfRank[low]!;
  }
  return trace;
}

/** A Zipf trace with a one-pass scan of fresh keys mixed into it, and which requests are the scan's. */
export interface ScanMix {
  readonly trace: Int32Array;
  /** `1` for a scan request, `0` for a Zipf one. */
  readonly isScan: Uint8Array;
  /** Index of the first request of the scan. */
  readonly scanStart: number;
  /** Index just past the last request of the scan. */
  readonly scanEnd: number;
}

/**
 * The Zipf trace `zipf` with a one-pass scan of `scanLength` keys never requested
 * otherwise (ids from `firstScanId` on) interleaved into its middle, one scan request
 * after each Zipf request, the way a batch job or a crawler reads through a cache
 * that also serves live traffic.
 */
export function withScan(zipf: Int32Array, scanLength: number, firstScanId: number): ScanMix {
  const total = zipf.length + scanLength;
  const trace = new Int32Array(total);
  const isScan = new Uint8Array(total);
  const scanFrom = Math.floor((zipf.length - scanLength) / 2);
  let z = 0;
  let out = 0;
  while (z < scanFrom) trace[out++] = zipf[z++]!;
  const scanStart = out;
  for (let s = 0; s < scanLength; s++) {
    trace[out++] = zipf[z++]!;
    isScan[out] = 1; // the request written next
    trace[out++] = firstScanId + s;
  }
  const scanEnd = out;
  while (z < zipf.length) trace[out++] = zipf[z++]!;
  return { trace, isScan, scanStart, scanEnd };
}

/**
 * A recency-biased trace: each request is a new key (probability `fresh`) or one of
 * the `span` most recent new keys, uniformly; LRU's best case, TinyLFU's hardest
 * (what was popular is never asked for again).
 */
export function recencyTrace(count: number, span: number, fresh: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  const trace = new Int32Array(count);
  let next = 0;
  for (let i = 0; i < count; i++) {
    trace[i] = next < span || random() < fresh ? next++ : next - 1 - Math.floor(random() * span);
  }
  return trace;
}

/** `passes` passes over the keys `0 … length - 1`, in order. */
export function loopTrace(length: number, passes: number): Int32Array {
  const trace = new Int32Array(length * passes);
  for (let i = 0; i < trace.length; i++) trace[i] = i % length;
  return trace;
}

/**
 * Which requests of `trace` hit under Bélády's MIN with `capacity` entries (unit sizes):
 * on a miss, the entry whose next request is furthest in the future is evicted, and an
 * entry never requested again is not stored at all. No online policy hits more often.
 */
export function beladyHits(trace: Int32Array, capacity: number, keySpace: number): Uint8Array {
  const length = trace.length;
  const never = 0x7fffffff;
  // Next request of the same key, for each request.
  const next = new Int32Array(length);
  const seen = new Int32Array(keySpace).fill(never);
  for (let i = length - 1; i >= 0; i--) {
    const key = trace[i]!;
    next[i] = seen[key]!;
    seen[key] = i;
  }
  // In-cache keys, each with the index of its next request; a max-heap on that index
  // with lazy deletion (a node is live while it matches its key's `nextUse`).
  const nextUse = seen.fill(-1);
  let cached = 0;
  const heapAt = new Int32Array(capacity * 4 + 4);
  const heapKey = new Int32Array(capacity * 4 + 4);
  let heapSize = 0;
  const siftDown = (start: number): void => {
    const at = heapAt[start]!;
    const key = heapKey[start]!;
    let i = start;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && heapAt[child + 1]! > heapAt[child]!) child++;
      if (heapAt[child]! <= at) break;
      heapAt[i] = heapAt[child]!;
      heapKey[i] = heapKey[child]!;
      i = child;
    }
    heapAt[i] = at;
    heapKey[i] = key;
  };
  const push = (at: number, key: number): void => {
    let i = heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heapAt[parent]! >= at) break;
      heapAt[i] = heapAt[parent]!;
      heapKey[i] = heapKey[parent]!;
      i = parent;
    }
    heapAt[i] = at;
    heapKey[i] = key;
  };
  /** Evicts the cached key requested furthest in the future. */
  const evictFurthest = (): void => {
    for (;;) {
      const at = heapAt[0]!;
      const key = heapKey[0]!;
      heapSize--;
      heapAt[0] = heapAt[heapSize]!;
      heapKey[0] = heapKey[heapSize]!;
      siftDown(0);
      if (nextUse[key] === at) {
        nextUse[key] = -1;
        cached--;
        return;
      }
    }
  };
  const hits = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const key = trace[i]!;
    const upcoming = next[i]!;
    if (nextUse[key]! >= 0) {
      hits[i] = 1;
    } else {
      if (upcoming === never) continue; // never requested again: storing it cannot help
      if (cached === capacity) evictFurthest();
      cached++;
    }
    nextUse[key] = upcoming;
    push(upcoming, key);
    if (heapSize >= capacity * 4) {
      // Mostly stale nodes: keep the live ones (one per cached key) and re-heapify.
      let live = 0;
      for (let n = 0; n < heapSize; n++) {
        if (nextUse[heapKey[n]!] === heapAt[n]) {
          heapAt[live] = heapAt[n]!;
          heapKey[live] = heapKey[n]!;
          live++;
        }
      }
      heapSize = live;
      for (let n = (live >> 1) - 1; n >= 0; n--) siftDown(n);
    }
  }
  return hits;
}
