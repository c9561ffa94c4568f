import { CacheEventHub } from './events.js';
import { StatsCounters } from './stats.js';

/**
 * Everything one cache (and its namespace views) reports through: the counters
 * behind `stats()`, the event listeners of `on()`, and the names trace contexts
 * carry. Counting is a field increment; events and traces cost nothing until
 * someone listens or subscribes.
 */
export class Telemetry {
  /** The counters behind `cache.stats()`. */
  readonly stats = new StatsCounters();
  /** The listeners of `cache.on()`. */
  readonly events = new CacheEventHub();

  /**
   * @param cache - the cache's `name` option
   * @param store - the store's driver name
   */
  constructor(
    readonly cache: string,
    readonly store: string,
  ) {}

  /** A fresh value served for `key` by `tier`. */
  hit(key: string, tier: 'l1' | 'l2'): void {
    this.stats.hit(tier);
    if (this.events.listening.hit) this.events.emit('hit', { key, tier });
  }

  /** No value served for `key`. */
  miss(key: string): void {
    this.stats.misses++;
    if (this.events.listening.miss) this.events.emit('miss', { key });
  }

  /** A stale value served for `key`. */
  stale(key: string): void {
    this.stats.staleHits++;
    if (this.events.listening.stale) this.events.emit('stale', { key });
  }

  /** A read-through answer for `key`, counted by its outcome. */
  answered(key: string, outcome: 'hit' | 'miss' | 'stale', tier: 'l1' | 'l2' | undefined): void {
    if (outcome === 'hit') this.hit(key, tier ?? 'l2');
    else if (outcome === 'stale') this.stale(key);
    else this.miss(key);
  }

  /** An entry written at `key`. */
  wrote(key: string): void {
    this.stats.writes++;
    if (this.events.listening.set) this.events.emit('set', { key });
  }

  /** `key` deleted. */
  deleted(key: string): void {
    this.stats.deletes++;
    if (this.events.listening.delete) this.events.emit('delete', { key });
  }

  /** Tells `hit`/`miss` listeners what a read counted elsewhere (by the tier) found. */
  reported(key: string, found: boolean, tier: 'l1' | 'l2'): void {
    if (found && this.events.listening.hit) this.events.emit('hit', { key, tier });
    if (!found && this.events.listening.miss) this.events.emit('miss', { key });
  }

  /** Whether `hit` or `miss` listeners want the outcome of plain reads. */
  get readsListened(): boolean {
    const { listening } = this.events;
    return listening.hit || listening.miss;
  }
}
