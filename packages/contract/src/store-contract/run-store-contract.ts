import { afterEach, describe, it } from 'vitest';
import { resolveSkipList } from '../support/skip-list.js';
import { storeChecks } from './checks/index.js';
import { StoreHarness } from './harness.js';
import type { StoreContractOptions } from './options.js';

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Names of every check {@link runStoreContract} registers (they are also the test
 * titles), for use in {@link StoreContractOptions.skip}.
 */
export const STORE_CONTRACT_CHECKS: readonly string[] = storeChecks.map((check) => check.name);

/**
 * Registers `describe('store contract: <name>')` with one test per row of the
 * Store contract: round trip, clone safety, miss, overwrite, TTL expiry (by
 * polling), add, atomic increment, delete/deleteMany, deleteIfEquals,
 * prefix-scoped flush with surviving neighbours, getMany/setMany, large and
 * binary values, awkward keys, idempotent close, and sharing across clients when
 * the store says it is shared.
 *
 * Every test creates its own stores on fresh `ct_<random>` prefixes and flushes
 * and closes them afterwards, so the suite is safe to run against a shared server.
 * Call it at the top level of a vitest test file.
 *
 * @example
 * ```ts
 * import { runStoreContract } from '@cache/contract';
 * runStoreContract({ name: 'my-driver', create: ({ prefix }) => new MyStore({ prefix }) });
 * ```
 */
export function runStoreContract(options: StoreContractOptions): void {
  const suite = `store contract: ${options.name}`;
  const skipped = resolveSkipList(suite, STORE_CONTRACT_CHECKS, options.skip);
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  describe(suite, () => {
    const harness = new StoreHarness(options.create, options.capabilities);
    afterEach(() => harness.cleanup(), timeout);
    for (const check of storeChecks) {
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
