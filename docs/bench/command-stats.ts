import type { Redis } from 'ioredis';

/** Calls per command since the server started (commands run by Lua scripts included). */
export async function commandCounts(admin: Redis): Promise<Map<string, number>> {
  const info = await admin.info('commandstats');
  const counts = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counts.set(match[1] as string, Number(match[2]));
  return counts;
}

/** Calls per command between two {@link commandCounts} (the later INFO counts itself; not the cache's). */
export function commandDelta(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, calls] of after) {
    const d = calls - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (d > 0) out.set(name, d);
  }
  return out;
}

/** The commands the server ran while `work` ran, by name. */
export async function commandsDuring(
  admin: Redis,
  work: () => Promise<unknown>,
): Promise<Map<string, number>> {
  const before = await commandCounts(admin);
  await work();
  return commandDelta(before, await commandCounts(admin));
}
