/** Facade operations reported to observers. */
export type CacheOperation =
  | 'get'
  | 'set'
  | 'getMany'
  | 'setMany'
  | 'add'
  | 'pull'
  | 'delete'
  | 'deleteMany'
  | 'flush'
  | 'increment'
  | 'decrement'
  | 'getBytes'
  | 'setBytes'
  | 'getString'
  | 'setString'
  | 'remember'
  | 'rememberStale'
  | 'refreshAhead'
  | 'refresh'
  | 'tryLock'
  | 'lock'
  | 'withLock'
  | 'rateLimit';

/**
 * One facade call, reported after it settles. Batch calls report one event per key.
 * `refresh` events come from refresh-ahead's background refreshes.
 */
export interface CacheEvent {
  /** The facade method. */
  readonly op: CacheOperation;
  /** The key (undefined for `flush`). */
  readonly key: string | undefined;
  /** For reads: whether the value was found (for `rememberStale`: found fresh). */
  readonly hit?: boolean | undefined;
  /** The error the call rejected with, if any. */
  readonly error?: unknown;
  /** Wall time of the call in ms. */
  readonly durationMs: number;
  /** The store's driver name. */
  readonly driver: string;
}

/** Receives one {@link CacheEvent} per facade call. Exceptions it throws are ignored. */
export type CacheObserver = (event: CacheEvent) => void;
