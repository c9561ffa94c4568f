import type { StoreEntry } from '@cache/core';

/** Distinct keys of `keys` in first-seen order. */
export function distinctKeys(keys: readonly string[]): string[] {
  return keys.length <= 1 ? [...keys] : [...new Set(keys)];
}

/**
 * Entries with one per key, the last one winning (what applying them in order
 * would leave). Multi-row upserts need this: Postgres refuses to touch one row
 * twice in a statement.
 */
export function lastWriteWins(entries: readonly StoreEntry[]): StoreEntry[] {
  const byKey = new Map<string, StoreEntry>();
  for (const entry of entries) {
    byKey.delete(entry.key);
    byKey.set(entry.key, entry);
  }
  return [...byKey.values()];
}

/** `items` split into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The values for `keys` in order, from `lookup`. A key asked for twice gets its
 * own copy the second time: callers may mutate what they receive, and two
 * results must never share memory.
 */
export function valuesInKeyOrder(
  keys: readonly string[],
  lookup: (key: string) => Uint8Array | undefined,
): (Uint8Array | undefined)[] {
  const handedOut = new Set<Uint8Array>();
  return keys.map((key) => {
    const value = lookup(key);
    if (value === undefined) return undefined;
    if (handedOut.has(value)) return value.slice();
    handedOut.add(value);
    return value;
  });
}
