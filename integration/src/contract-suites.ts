import type { Store } from '@cache/core';
import { runCacheContract, runStoreContract } from '@cache/contract';
import { shapes } from './shapes.js';

/** Options of {@link runContractSuites}. */
export interface ContractSuitesOptions {
  /** Driver/backend label for the suite titles. */
  readonly name: string;
  /** A fresh store on exactly `prefix`. */
  readonly create: (prefix: string) => Store | Promise<Store>;
  /**
   * What the shaped variant appends to each prefix. Default `AWKWARD_PREFIX_SUFFIX`
   * (glob/LIKE metacharacters, a space, non-ASCII); pass `ASCII_AWKWARD_PREFIX_SUFFIX`
   * for a driver that only accepts printable ASCII prefixes.
   */
  readonly prefixSuffix?: string;
}

/**
 * Registers the whole `@cache/contract` over one driver: the Store contract and the
 * Cache (helper invariants) contract, each in the baseline and the shaped variant.
 */
export function runContractSuites(options: ContractSuitesOptions): void {
  for (const shape of shapes(options.prefixSuffix)) {
    const create = ({ prefix }: { prefix: string }) => options.create(shape.prefix(prefix));
    runStoreContract({ name: `${options.name} ${shape.name}`, create });
    runCacheContract({ name: `${options.name} ${shape.name}`, create, cacheOptions: shape.cacheOptions });
  }
}
