import { DynamoStore } from '@cache/dynamodb';
import { freshTable } from './support/cross-process-suite.js';
import { distributedSuite } from './support/distributed-suite.js';
import { dynamoClientOptions, useLocalDynamoUnlessConfigured } from './support/dynamodb-local.js';

// Without CACHE_DYNAMODB_ENDPOINT, dynalite runs in this test process and the
// children talk to its port.
await useLocalDynamoUnlessConfigured();

distributedSuite({
  backend: 'dynamodb',
  driver: 'dynamodb',
  scope: freshTable,
  create: (endpoint, prefix, table) => new DynamoStore({ ...dynamoClientOptions(endpoint), table, prefix }),
});
