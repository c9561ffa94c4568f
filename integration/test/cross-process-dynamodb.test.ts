import { randomUUID } from 'node:crypto';
import { Cache } from '@cache/core';
import { DynamoStore } from '@cache/dynamodb';
import { expect, it } from 'vitest';
import { describeBackend } from '../src/backends.js';
import { dynamoClientOptions, useLocalDynamoUnlessConfigured } from './support/dynamodb-local.js';
import { expectExactCrossProcessCount } from './support/kv-workers.js';

// Without CACHE_DYNAMODB_ENDPOINT, dynalite runs in this test process and the
// children talk to its port.
await useLocalDynamoUnlessConfigured();

describeBackend('dynamodb', (endpoint) => {
  it('4 processes × 2,500 increments = exactly 10,000 (UpdateItem ADD)', async () => {
    const table = `cache_xproc_${randomUUID().slice(0, 8)}`;
    const store = new DynamoStore({ ...dynamoClientOptions(endpoint), table, prefix: 'xproc' });
    try {
      // Create the table before the children start, so they race on counting only.
      await store.set('warm-up', new Uint8Array([1]), 60_000);
      const total = await expectExactCrossProcessCount({
        driver: 'dynamodb',
        address: endpoint,
        container: table,
        prefix: 'xproc',
        processes: 4,
        perProcess: 2_500,
        concurrency: 16,
      });
      expect(await new Cache({ store }).increment('hits', 0)).toBe(total);
    } finally {
      await store.flush();
      await store.close();
    }
  }, 240_000);
});
