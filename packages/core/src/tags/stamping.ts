import { type EntryLifetime, withVersions } from '../entry/lifetime.js';
import { storeOptions } from '../tiers/tiers.js';
import type { TagVersions } from './tag-versions.js';

/**
 * Runs `write` with `lifetime` recording the current versions of `names` (an
 * entry's namespaces and tags): at once when they are known, after one read of
 * them otherwise; with `lifetime` as it is when there are none (a root entry
 * without tags pays nothing).
 */
export function stamped<R>(
  versions: TagVersions,
  names: readonly string[] | undefined,
  lifetime: EntryLifetime,
  signal: AbortSignal | undefined,
  write: (lifetime: EntryLifetime) => Promise<R>,
): Promise<R> {
  if (names === undefined) return write(lifetime);
  const stamps = versions.stampsFor(names, storeOptions(signal));
  return stamps instanceof Promise
    ? stamps.then((s) => write(withVersions(lifetime, s)))
    : write(withVersions(lifetime, stamps));
}
