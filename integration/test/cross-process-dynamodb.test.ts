import { DynamoStore } from '@cache/dynamodb';
import { crossProcessSuite, freshTable } from './support/cross-process-suite.js';
import { dynamoClientOptions, useLocalDynamoUnlessConfigured } from './support/dynamodb-local.js';

// Without CACHE_DYNAMODB_ENDPOINT, dynalite runs in this test process and the
// children talk to its port.
await useLocalDynamoUnlessConfigured();

crossProcessSuite({
  backend: 'dynamodb',
  driver: 'dynamodb',
  atomicBy: 'UpdateItem ADD',
  inFlight: 16,
  scope: freshTable,
  create: (endpoint, prefix, table) => new DynamoStore({ ...dynamoClientOptions(endpoint), table, prefix }),
  incrementTimeoutMs: 230_000,
});
