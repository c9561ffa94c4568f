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
  | 'rememberMany'
  | 'rememberStale'
  | 'refreshAhead'
  | 'refresh'
  | 'tryLock'
  | 'lock'
  | 'withLock'
  | 'rateLimit'
  | 'deleteByTag'
  | 'expireByTag'
  | 'circuit'
  | 'bus';

/**
 * One facade call, reported after it settles. Batch calls report one event per key.
 * `refresh` events come from refresh-ahead's background refreshes.
 */
export interface CacheEvent {
  /** The facade method. */
  readonly op: CacheOperation;
  /** The key (undefined for `flush`). */
  readonly key: string | undefined;
  /**
   * For reads: whether a fresh value was found. For read-through calls (`remember`,
   * `rememberMany`, `rememberStale`, `refreshAhead`): `true` a fresh hit, `false`
   * a miss (the factory ran) or a stale value served (then `stale` is `true`).
   */
  readonly hit?: boolean | undefined;
  /** For read-through calls: `true` when a stale (graced) value was served instead of a fresh one. */
  readonly stale?: boolean | undefined;
  /** For `circuit` events: the L2 circuit breaker opened or closed (`error`: the store error that opened it). */
  readonly circuit?: 'open' | 'closed' | undefined;
  /** For `bus` events: a coherence gap dropped the L1 (`gap`: why), or a publish failed (`error`). */
  readonly gap?: 'sequence' | 'connection' | 'clear' | undefined;
  /** The error the call rejected with, if any. */
  readonly error?: unknown;
  /** Wall time of the call in ms. */
  readonly durationMs: number;
  /** The store's driver name. */
  readonly driver: string;
}

/** Receives one {@link CacheEvent} per facade call. Exceptions it throws are ignored. */
export type CacheObserver = (event: CacheEvent) => void;
