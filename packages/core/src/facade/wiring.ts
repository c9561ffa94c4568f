import { busGapChannel } from '../observability/channels.js';
import { InstrumentedStore } from '../observability/instrumented-store.js';
import { Telemetry } from '../observability/telemetry.js';
import { versionsFor } from '../tags/tag-versions.js';
import { HybridTier } from '../tiers/hybrid-tier.js';
import { StoreTier } from '../tiers/store-tier.js';
import type { Tiers } from '../tiers/tiers.js';
import type { Ttl } from '../duration.js';
import { ReadThroughEngine } from '../read-through/engine.js';
import { CallRunner } from './calls.js';
import { type CacheConfig, resolveCacheConfig, ttlOf } from './config.js';
import type { CacheOptions } from './options.js';
import { ReadThroughCalls } from './read-through-calls.js';

/** Where the tiers report what happens off any call: to the observer. */
export interface TierReports {
  bus(fields: { gap?: 'sequence' | 'connection' | 'clear'; error?: unknown }): void;
  circuit(fields: { circuit: 'open' | 'closed'; error?: unknown }): void;
}

/**
 * The tiers of a cache built from its resolved config: the store behind an
 * {@link InstrumentedStore} (error counts, `cache:store` traces), alone or as the
 * L2 of a hybrid tier; the tag versions with the trust each setup allows (see
 * `docs/tags.md`); circuit and bus happenings counted, told to `on()` listeners
 * and reported to the observer.
 */
export function buildTiers(config: CacheConfig, telemetry: Telemetry, reports: TierReports): Tiers {
  const { stats, events } = telemetry;
  const store = new InstrumentedStore(config.store, stats, config.name);
  const shared = config.store.capabilities.shared;
  const intervalMs = shared ? config.tagCheckIntervalMs : Number.POSITIVE_INFINITY;
  const versions = versionsFor(config.store, store, intervalMs);
  const hybrid = config.hybrid;
  if (hybrid === undefined)
    return new StoreTier(store, config.entries, config.ref, versions, stats, config.syncRead);
  return new HybridTier({
    store,
    entries: config.entries,
    l1: hybrid.l1,
    bus: hybrid.bus,
    l1TtlMs: hybrid.l1TtlMs,
    breaker: hybrid.breaker,
    onBusEvent: (event, detail) => {
      if (event === 'gap') {
        const reason = detail as 'sequence' | 'connection' | 'clear';
        if (events.listening['bus:gap']) events.emit('bus:gap', { reason });
        if (busGapChannel.hasSubscribers) busGapChannel.publish({ cache: config.name, reason });
        reports.bus({ gap: reason });
      } else {
        if (events.listening['bus:error']) events.emit('bus:error', { error: detail });
        reports.bus({ error: detail });
      }
    },
    onCircuit: (state, cause) => {
      const open = state !== 'closed';
      if (open) {
        stats.circuitOpens++;
        if (events.listening['circuit:open']) events.emit('circuit:open', { error: cause });
      } else if (events.listening['circuit:close']) {
        events.emit('circuit:close', {});
      }
      reports.circuit({ circuit: open ? 'open' : 'closed', error: cause });
    },
    versions,
    versionTrust: {
      connected: shared && config.tagCheckExplicit ? intervalMs : Number.POSITIVE_INFINITY,
      disconnected: intervalMs,
    },
    stats,
    cacheName: config.name,
  });
}

/** What one cache and all its namespace views share. */
export interface CacheParts {
  readonly config: CacheConfig;
  readonly telemetry: Telemetry;
  readonly tiers: Tiers;
  /** The root's call runner (views derive theirs with `forNamespace`). */
  readonly calls: CallRunner;
  /** The root's read-through entry points (views derive theirs with `forCalls`). */
  readonly readThrough: ReadThroughCalls;
  /** A call's TTL resolved against the cache default. */
  readonly ttl: (ttl: Ttl | undefined) => number;
}

/**
 * Validates `options` and builds a cache's parts: config, telemetry, tiers, the
 * call runner, the read-through engine and its entry points.
 *
 * @throws {@link ConfigError} for invalid options
 */
export function wireCache(options: CacheOptions): CacheParts {
  const config = resolveCacheConfig(options);
  const telemetry = new Telemetry(config.name, config.store.name);
  const calls = new CallRunner(config.maxKeyLength, config.timeoutMs, config.observer, telemetry);
  const tiers = buildTiers(config, telemetry, {
    bus: (fields) => calls.event('bus', fields),
    circuit: (fields) => calls.event('circuit', fields),
  });
  const engine = new ReadThroughEngine(
    tiers,
    {
      storeError: (key, error) => calls.report('remember', key, performance.now(), error),
      refreshed: (key, startedAt, error) => calls.report('refresh', key, startedAt, error),
    },
    telemetry,
  );
  const ttl = (value: Ttl | undefined): number => ttlOf(value, config.defaultTtl);
  const readThrough = new ReadThroughCalls(calls, engine, tiers, config.defaults, ttl, telemetry);
  return { config, telemetry, tiers, calls, readThrough, ttl };
}
