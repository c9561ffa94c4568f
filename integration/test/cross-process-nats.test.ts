import { randomUUID } from 'node:crypto';
import { Cache } from '@cache/core';
import { NatsStore } from '@cache/nats';
import { expect, it } from 'vitest';
import { describeBackend } from '../src/backends.js';
import { expectExactCrossProcessCount } from './support/kv-workers.js';

const BUCKET = 'cache_integration';

describeBackend('nats', (servers) => {
  it('4 processes × 2,500 increments = exactly 10,000 (optimistic revision checks)', async () => {
    const prefix = `xproc-${randomUUID()}`;
    const total = await expectExactCrossProcessCount({
      driver: 'nats',
      address: servers,
      container: BUCKET,
      prefix,
      processes: 4,
      perProcess: 2_500,
      concurrency: 16,
    });
    const store = new NatsStore({ servers: servers.split(','), bucket: BUCKET, prefix });
    try {
      expect(await new Cache({ store }).increment('hits', 0)).toBe(total);
    } finally {
      await store.flush();
      await store.close();
    }
  }, 180_000);
});
