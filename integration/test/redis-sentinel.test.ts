import { randomUUID } from 'node:crypto';
import { CacheTimeoutError, StoreError } from '@cache/core';
import { RedisStore } from '@cache/redis';
import type { Redis, RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runContractSuites } from '../src/contract-suites.js';
import { codeOf, EscapedErrors, JITTER_MS, OUTAGE_CODES, pollUntil } from '../src/outage.js';
import { describeSentinelBackend, masterAddress } from '../src/sentinel-backend.js';
import { SentinelSet } from '../src/sentinel-set.js';
import { describeTraffic, type TrafficReport, trafficAround } from './support/sentinel-traffic.js';

/** The port of the server a store's client is connected to, as that server reports it. */
async function connectedPort(store: RedisStore): Promise<number> {
  const info = await (store.client as Redis).info('server');
  return Number(/^tcp_port:(\d+)/m.exec(info)?.[1]);
}

const encoder = new TextEncoder();
const text = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? []).toString();

// The shared set of scripts/services.sh: the whole contract through a store that only
// knows the Sentinels and the master name, as an application configures it.
describeSentinelBackend((backend) => {
  const create = (prefix: string) =>
    new RedisStore({ prefix, redisOptions: { sentinels: backend.sentinels, name: backend.name } });

  runContractSuites({ name: 'redis-sentinel', create });

  it('connects to the master the Sentinels name', async () => {
    const store = create(`sentinel-${randomUUID()}`);
    try {
      await store.set('k', encoder.encode('v'), 10_000);
      const master = await masterAddress(backend.sentinels[0]!, backend.name);
      expect(master).toBeDefined();
      expect(await connectedPort(store)).toBe(master?.port);
    } finally {
      await store.close();
    }
  });
});

/**
 * Each failing call must settle within this: the store's default deadline (5 s,
 * `DEFAULT_TIMEOUT_MS` of @cache/redis) plus jitter. Measured, they fail in a few ms.
 */
const FAIL_WITHIN_MS = 5_000 + JITTER_MS;
/** From the kill to the first success on the promoted replica (measured about 2.8 s). */
const RECOVERY_MS = 15_000;

/** What every disruption must look like to the application: typed, bounded failures, then service. */
function expectFailover(report: TrafficReport): void {
  const before = report.calls.filter((call) => call.start + call.ms < report.disruptedAt);
  expect(before.length).toBeGreaterThanOrEqual(200);
  expect(before.filter((call) => call.error !== undefined)).toEqual([]);
  for (const failure of report.failures) {
    expect(failure.error, String(failure.error)).toSatisfy(
      (error) => error instanceof StoreError || error instanceof CacheTimeoutError,
    );
    expect(OUTAGE_CODES).toContain(codeOf(failure.error));
    expect(failure.ms, `a failing ${failure.op} took ${Math.round(failure.ms)} ms`).toBeLessThan(
      FAIL_WITHIN_MS,
    );
  }
  expect(report.recoveredAt, 'no call succeeded after the failover').toBeDefined();
  expect((report.recoveredAt as number) - report.disruptedAt).toBeLessThan(RECOVERY_MS);
  expect(report.successesAfter).toBeGreaterThanOrEqual(200);
  // Once it works again it keeps working (no flapping), and every read saw its write.
  const after = report.calls.filter((call) => call.start >= (report.recoveredAt as number));
  expect(after.filter((call) => call.error !== undefined)).toEqual([]);
  expect(report.calls.filter((call) => call.matched === false)).toEqual([]);
  expect(report.calls.length).toBeLessThanOrEqual(20_000 + 8);
}

describe('redis sentinel failover (own primary, replica and 3 Sentinels)', () => {
  let set: SentinelSet;
  let store: RedisStore;
  const escaped = new EscapedErrors();
  const sentinelStore = (redisOptions: RedisOptions = {}) =>
    new RedisStore({
      prefix: `failover-${randomUUID()}`,
      redisOptions: { sentinels: set.sentinels, name: set.name, ...redisOptions },
    });

  beforeAll(async () => {
    escaped.start();
    set = await SentinelSet.start();
    // The store's defaults, as an application would configure it: nothing failover-specific.
    store = sentinelStore();
  });

  afterAll(async () => {
    escaped.stop();
    await store?.close().catch(() => undefined);
    await set?.stop();
  });

  it('serves the primary the Sentinels name, and the replica has its writes', async () => {
    await store.set('before-kill', encoder.encode('replicated'), 0);
    expect(await connectedPort(store)).toBe(set.primary.port);
    // WAIT on the store's own connection: the write above has reached the replica, so
    // finding it after the failover proves the store reads the promoted replica.
    expect(await (store.client as Redis).wait(1, 5_000)).toBe(1);
  });

  it('primary SIGKILLed mid-traffic: typed errors at once, then the promoted replica serves the same store', async () => {
    let switched: Promise<number> | undefined;
    const report = await trafficAround(store, async () => {
      await set.primary.kill();
      // When the Sentinels' answer changes, for the log.
      switched = pollUntil(
        async () => (await set.agreedMaster())?.port === set.replica.port,
        RECOVERY_MS,
      ).then(() => performance.now());
    });
    const switchedAt = await switched;
    console.info(describeTraffic('SIGKILL failover', report, switchedAt));

    expectFailover(report);
    // A crashed primary cannot be hidden: calls failed between the kill and the promotion.
    expect(report.failures.length).toBeGreaterThan(0);
    expect((await set.agreedMaster())?.port).toBe(set.replica.port);
    expect(await connectedPort(store)).toBe(set.replica.port);
    // The write replicated before the crash is there: this is the old replica, not an empty server.
    expect(text(await store.get('before-kill'))).toBe('replicated');
    expect(escaped.reasons).toEqual([]);
  });

  // A graceful failover leaves the old primary up: Sentinel demotes it (CLIENT KILL included)
  // only after its ~8 s convert-to-slave delay. A client that waits for that disconnect keeps
  // writing to the old primary meanwhile (measured ~10 s; those writes are lost when it resyncs),
  // which is why ioredis' failoverDetector (subscribe to +switch-master) matters here; a store
  // created through Sentinel turns it on by default, so both stores must follow at once.
  it('graceful SENTINEL FAILOVER: with failoverDetector the store follows at once; every store follows', async () => {
    // The crashed primary comes back as a replica of the new one, so it can be promoted.
    await set.rejoinAsReplica(set.primary, set.replica.port);
    const detecting = sentinelStore({ failoverDetector: true });
    try {
      await detecting.set('warm', encoder.encode('1'), 0);
      let switchedAt = 0;
      let defaultsFollowed: Promise<number> | undefined;
      const report = await trafficAround(detecting, async () => {
        await set.failover();
        await pollUntil(async () => (await set.agreedMaster())?.port === set.primary.port, RECOVERY_MS);
        switchedAt = performance.now();
        defaultsFollowed = pollUntil(
          async () => (await connectedPort(store)) === set.primary.port,
          RECOVERY_MS,
        ).then(() => performance.now());
      });
      console.info(describeTraffic('graceful failover, failoverDetector', report, switchedAt));
      expectFailover(report);
      expect(await connectedPort(detecting)).toBe(set.primary.port);
      // A store with the defaults follows too (the detector is on by default), within the recovery bound.
      const followedAt = await defaultsFollowed;
      console.info(
        `[sentinel graceful failover, store defaults] still on the demoted primary for ${Math.round((followedAt as number) - switchedAt)} ms after the switch`,
      );
      expect(await connectedPort(store)).toBe(set.primary.port);
      expect(text(await store.get('before-kill'))).toBe('replicated');
    } finally {
      await detecting.close();
    }
    expect(escaped.reasons).toEqual([]);
  });
});
