// A child process of the hybrid and distributed suites (test/support/hybrid-workers.ts):
// one node — a Cache over the built dist of a driver, with an L1 and a bus when the
// job asks — that connects, reports "ready", waits for "go", runs one task and
// reports its result. Long-running tasks run until the parent sends "stop".
//
// Timestamps are process.hrtime in ms: CLOCK_MONOTONIC, one clock for every
// process on the host, so the parent can compare times taken in different children.
import { createNode } from './hybrid-parts.mjs';

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Sends to the parent; resolves once the message is written (a large result must not be cut by disconnect). */
const send = (message) =>
  new Promise((resolve) => process.send?.(message, undefined, {}, () => resolve()) ?? resolve());

/**
 * What the parent said so far: "go" resolves `started`; "stop" sets `stopped`, and
 * `until` (a version a reader keeps reading until every key shows it).
 */
const control = { stopped: false, until: undefined, start: undefined, started: undefined };
control.started = new Promise((resolve) => {
  control.start = resolve;
});

const tasks = {
  /**
   * `calls` concurrent distributed `remember` calls of one key; the factory counts
   * itself in the backend (an increment of `counterKey`), then works `factoryMs`.
   */
  async flight({ cache }, { key, counterKey, calls, factoryMs, lockTimeout, ttl }) {
    let factoryRuns = 0;
    const startedMs = nowMs();
    const ends = [];
    const values = await Promise.all(
      Array.from({ length: calls }, async () => {
        const value = await cache.remember(
          key,
          ttl,
          async () => {
            factoryRuns++;
            await cache.increment(counterKey, 1, '10m');
            await pause(factoryMs); // the factory's work, not a synchronisation
            return { by: process.pid, at: Date.now() };
          },
          { distributed: true, ...(lockTimeout === undefined ? {} : { lockTimeout }) },
        );
        ends.push(nowMs());
        return value;
      }),
    );
    return {
      pid: process.pid,
      factoryRuns,
      calls: values.length,
      distinct: [...new Set(values.map((value) => JSON.stringify(value)))],
      startedMs,
      firstDoneMs: Math.min(...ends),
      lastDoneMs: Math.max(...ends),
    };
  },

  /** A winner that never finishes: counts itself, says so, and blocks in its factory. */
  async hang({ cache }, { key, counterKey, ttl }) {
    return cache.remember(
      key,
      ttl,
      async () => {
        await cache.increment(counterKey, 1, '10m');
        send({ type: 'event', name: 'in-factory', atMs: nowMs() });
        return new Promise(() => {});
      },
      { distributed: true },
    );
  },

  /**
   * Writes version 1, 2, … of every key (one round = all keys, concurrently) until
   * "stop" or `rounds`; resolves, per key, the time each version's `set` resolved.
   */
  async write({ cache }, { keys, rounds, pauseMs, progressEvery }) {
    const done = Object.fromEntries(keys.map((key) => [key, []]));
    let round = 0;
    while (!control.stopped && round < rounds) {
      round++;
      const version = round;
      await Promise.all(
        keys.map(async (key) => {
          await cache.set(key, { v: version }, '10m');
          done[key].push(nowMs());
        }),
      );
      if (round % progressEvery === 0) send({ type: 'event', name: 'progress', round, atMs: nowMs() });
      await pause(pauseMs); // pacing: a write rate the 2-core machine sustains
    }
    return { rounds: round, done };
  },

  /**
   * Reads every key with `get` every `periodMs` until "stop" (and, when the stop
   * names a version, until every key shows it, for at most 10 s more); resolves, per
   * key, the runs of versions it served: [version, first served, last served]. With
   * `watchBus`, reports every change of `health().bus` as an event.
   */
  async read({ cache, counter }, { keys, periodMs, watchBus }) {
    const runs = Object.fromEntries(keys.map((key) => [key, []]));
    const latest = () => keys.every((key) => runs[key].at(-1)?.[0] >= control.until);
    let sweeps = 0;
    let bus;
    let stopBy;
    for (;;) {
      if (control.stopped) {
        stopBy ??= Date.now() + 10_000;
        if (control.until === undefined || latest() || Date.now() > stopBy) break;
      }
      for (const key of keys) {
        const value = await cache.get(key);
        const at = nowMs();
        const version = value?.v ?? -1;
        const list = runs[key];
        const last = list[list.length - 1];
        if (last !== undefined && last[0] === version) last[2] = at;
        else list.push([version, at, at]);
      }
      sweeps++;
      if (sweeps === 1) send({ type: 'event', name: 'reading', atMs: nowMs() });
      if (watchBus) {
        const health = await cache.health({ timeout: 500 });
        if (health.bus !== bus) {
          bus = health.bus;
          send({ type: 'event', name: 'bus', state: bus, atMs: nowMs() });
        }
      }
      await pause(periodMs); // the read rate, not a synchronisation
    }
    return { sweeps, reads: counter.reads, runs };
  },

  /** Reads every key once (so they sit in L1), then idles until "stop"; resolves the L2 reads made meanwhile. */
  async idle({ cache, counter }, { keys }) {
    for (const key of keys) await cache.get(key);
    const before = counter.reads;
    send({ type: 'event', name: 'reading', atMs: nowMs() });
    while (!control.stopped) await pause(20); // idling until told otherwise
    return { readsWhileIdle: counter.reads - before };
  },
};

process.on('message', (message) => {
  if (message?.type === 'go') control.start();
  else if (message?.type === 'stop') {
    control.until = message.until;
    control.stopped = true;
  }
});

process.once('message', async (job) => {
  let node;
  try {
    node = await createNode(job);
    // Connect (and let the bus subscription become active) before the start
    // signal, so that the children race on the task, not on connecting.
    await node.cache.get('warm-up');
    if (job.bus !== undefined) {
      const deadline = Date.now() + 10_000;
      while ((await node.cache.health()).bus !== 'connected') {
        if (Date.now() > deadline) throw new Error('bus not connected within 10 s');
        await pause(10);
      }
    }
    await send({ type: 'ready', pid: process.pid });
    await control.started;
    const result = await tasks[job.task](node, job.params);
    await send({ type: 'result', result });
  } catch (error) {
    await send({ type: 'error', message: String(error?.stack ?? error) });
  } finally {
    await node?.cache.close().catch(() => undefined);
    await node?.bus?.close().catch(() => undefined);
    process.disconnect?.();
  }
});
