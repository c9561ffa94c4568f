import { ConfigError } from '@cache/core';

/**
 * Checks to leave out: either names (`['flush spares other prefixes']`) or a map
 * from name to the reason, which is printed with the skipped test.
 */
export type SkipList = readonly string[] | Readonly<Record<string, string>>;

const DEFAULT_REASON = 'listed in options.skip';

/**
 * Resolves a {@link SkipList} against the checks a suite knows and prints one
 * line per skipped check, so a skipped check is never silent.
 *
 * @throws {@link ConfigError} for a name that is not a check of this suite (a
 *   typo would otherwise silently run the check, or silently skip nothing).
 */
export function resolveSkipList(
  suite: string,
  known: readonly string[],
  skip: SkipList | undefined,
): ReadonlyMap<string, string> {
  const entries: [string, string][] = [];
  if (skip === undefined) return new Map();
  if (Array.isArray(skip)) {
    for (const name of skip as readonly string[]) entries.push([name, DEFAULT_REASON]);
  } else {
    for (const [name, reason] of Object.entries(skip)) entries.push([name, reason || DEFAULT_REASON]);
  }
  const unknown = entries.map(([name]) => name).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      `${suite}: options.skip names unknown checks ${unknown.map((n) => JSON.stringify(n)).join(', ')}; ` +
        `known checks are ${known.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
  for (const [name, reason] of entries) console.warn(`[${suite}] skipping "${name}": ${reason}`);
  return new Map(entries);
}
