// A child process of cross-process-nats.test.ts / cross-process-dynamodb.test.ts:
// builds a Cache over the built @cache/nats or @cache/dynamodb dist, increments
// one counter `count` times with `concurrency` calls in flight, and prints every
// value it got back as JSON on stdout.
import { Cache } from '@cache/core';

const [driver, address, prefix, extra, key, count, concurrency] = process.argv.slice(2);

async function createStore() {
  if (driver === 'nats') {
    const { NatsStore } = await import('@cache/nats');
    return new NatsStore({ servers: address.split(','), bucket: extra, prefix });
  }
  if (driver === 'dynamodb') {
    const { DynamoStore } = await import('@cache/dynamodb');
    return new DynamoStore({
      endpoint: address,
      region: process.env.AWS_REGION ?? 'us-east-1',
      ...(process.env.AWS_ACCESS_KEY_ID
        ? {}
        : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      table: extra,
      prefix,
    });
  }
  throw new Error(`unknown driver ${driver}`);
}

const cache = new Cache({ store: await createStore() });
try {
  const total = Number(count);
  const results = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(concurrency) }, async () => {
      while (next < total) {
        const index = next++;
        results[index] = await cache.increment(key, 1, '5m');
      }
    }),
  );
  process.stdout.write(JSON.stringify(results));
} finally {
  await cache.close();
}
