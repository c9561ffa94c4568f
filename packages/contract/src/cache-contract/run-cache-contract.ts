import { afterEach, describe, it } from 'vitest';
import { resolveSkipList } from '../support/skip-list.js';
import type { CacheCheck } from './check.js';
import { cacheChecks, hybridChecks, nullChecks } from './checks/index.js';
import { CacheHarness } from './harness.js';
import type { CacheContractOptions } from './options.js';

const DEFAULT_TIMEOUT_MS = 15_000;

/** Names of the checks {@link runCacheContract} registers (the test titles), for `skip`. */
export const CACHE_CONTRACT_CHECKS: readonly string[] = cacheChecks.map((check) => check.name);

/** Names of the checks {@link runCacheContract} registers with `nullSemantics: true`. */
export const NULL_CACHE_CONTRACT_CHECKS: readonly string[] = nullChecks.map((check) => check.name);

/**
 * Registers `describe('cache contract: <name>')`: the helper invariants of the
 * `Cache` facade over the given store. Typed round trips, `remember`
 * singleflight and error propagation, `rememberStale` fail-safe, `refreshAhead`
 * background refresh, lock contention/expiry/owner-safe release/waiting/timeout,
 * rate-limit windows, cancellation, shaping round trips, typed errors for corrupt
 * payloads, and `maxValueBytes`.
 *
 * TTLs scale with the store's `ttlResolutionMs`, so the suite runs unchanged on
 * one-second backends. With `nullSemantics: true` only what a store that keeps
 * nothing can satisfy is checked.
 *
 * @example
 * ```ts
 * runCacheContract({ name: 'redis', create: ({ prefix }) => new RedisStore({ url, prefix }) });
 * runCacheContract({
 *   name: 'redis (gzip + aes)',
 *   create: ({ prefix }) => new RedisStore({ url, prefix }),
 *   cacheOptions: { compression: 'gzip', encryption: { key: process.env.CACHE_KEY! } },
 * });
 * ```
 */
export function runCacheContract(options: CacheContractOptions): void {
  const suite = `cache contract: ${options.name}`;
  const checks: readonly CacheCheck[] =
    options.nullSemantics === true
      ? nullChecks
      : options.tier === undefined
        ? cacheChecks
        : [...cacheChecks, ...hybridChecks];
  const skipped = resolveSkipList(
    suite,
    checks.map((check) => check.name),
    options.skip,
  );
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  describe(suite, () => {
    const harness = new CacheHarness(
      options.create,
      options.cacheOptions ?? {},
      options.capabilities,
      options.tier,
    );
    afterEach(() => harness.cleanup(), timeout);
    for (const check of checks) {
      const reason = skipped.get(check.name);
      if (reason !== undefined) {
        // Left out by the suite's caller (`options.skip`); its reason is in the title and printed once.
        it.skip(`${check.name} [skipped: ${reason}]`, () => {});
        continue;
      }
      it(check.name, (test) => check.run(harness, test), timeout);
    }
  });
}
