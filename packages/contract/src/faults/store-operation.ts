/** Every method of the Store contract, by name. */
export const STORE_OPERATIONS = [
  'get',
  'getMany',
  'set',
  'setMany',
  'add',
  'increment',
  'delete',
  'deleteMany',
  'deleteIfEquals',
  'flush',
  'close',
] as const;

/** Name of a Store method. */
export type StoreOperationName = (typeof STORE_OPERATIONS)[number];

/** The operations that touch data: every operation but `close`. */
export const DATA_OPERATIONS: readonly StoreOperationName[] = STORE_OPERATIONS.filter((op) => op !== 'close');

/** One call a wrapped store received. */
export interface StoreCall {
  /** The Store method. */
  readonly op: StoreOperationName;
  /** The key, for single-key operations. */
  readonly key?: string;
  /** The keys, for `getMany`, `setMany` and `deleteMany`, in call order. */
  readonly keys?: readonly string[];
  /** The TTL in ms, for `set`, `add` and `increment` (per entry for `setMany`: see `ttls`). */
  readonly ttl?: number;
  /** The per-entry TTLs of a `setMany`. */
  readonly ttls?: readonly number[];
}
