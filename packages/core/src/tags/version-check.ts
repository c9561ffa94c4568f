import type { DecodedEntry } from '../entry/entry-codec.js';
import { InvalidArgumentError } from '../errors.js';
import { MAX_TAGS_PER_ENTRY } from './scope.js';
import type { VersionStamp, TagVersions, VersionVerdict } from './tag-versions.js';

/** A read's entry once its versions are checked: itself, a stale copy, or `undefined`. */
export type CheckedEntry = DecodedEntry | undefined;

/**
 * The entry as its recorded versions leave it: itself while they are current,
 * a stale copy after an `expireByTag` (a fail-safe fallback only), `undefined`
 * after a `deleteByTag` or a namespace flush. An entry without versions is
 * returned as it is, at no cost. Synchronous unless a version must be fetched.
 */
export function checkVersions(
  entry: DecodedEntry,
  versions: TagVersions,
): CheckedEntry | Promise<CheckedEntry> {
  const stamps = entry.versions;
  if (stamps === undefined) return entry;
  const verdict = versions.verdict(stamps);
  return verdict instanceof Promise ? verdict.then((v) => judged(entry, v)) : judged(entry, verdict);
}

/** {@link checkVersions} of an entry that may be missing or still decoding. */
export function checkDecoded(
  entry: DecodedEntry | undefined | Promise<DecodedEntry>,
  versions: TagVersions,
): CheckedEntry | Promise<CheckedEntry> {
  if (entry === undefined) return undefined;
  return entry instanceof Promise
    ? entry.then((e) => checkVersions(e, versions))
    : checkVersions(entry, versions);
}

function judged(entry: DecodedEntry, verdict: VersionVerdict): CheckedEntry {
  if (verdict === 'valid') return entry;
  if (verdict === 'deleted') return undefined;
  // Expired: stale from now on, kept for callers that accept a graced value.
  return { ...entry, softExpiresAt: 0 };
}

/** Every distinct name of `a` and `b`, `a` first. */
export function mergeStamps(
  a: readonly VersionStamp[] | undefined,
  b: readonly VersionStamp[],
): readonly VersionStamp[] {
  const seen = new Set(a?.map((s) => s.name));
  const merged = [...(a ?? []), ...b.filter((s) => !seen.has(s.name))];
  if (merged.length > MAX_TAGS_PER_ENTRY) {
    throw new InvalidArgumentError(
      `an entry carries at most ${MAX_TAGS_PER_ENTRY} tags (namespaces included), got ${merged.length}`,
    );
  }
  return merged;
}
