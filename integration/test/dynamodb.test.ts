import { randomUUID } from 'node:crypto';
import { DynamoStore } from '@cache/dynamodb';
import { describeBackend } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';
import { dynamoClientOptions, useLocalDynamoUnlessConfigured } from './support/dynamodb-local.js';

await useLocalDynamoUnlessConfigured();

describeBackend('dynamodb', (endpoint) => {
  // A fresh table per run (created by the first store, on-demand billing); the
  // suite's prefixes are partitions in it.
  const table = `cache_it_${randomUUID().slice(0, 8)}`;
  runContractSuites({
    name: 'dynamodb',
    create: (prefix) => new DynamoStore({ ...dynamoClientOptions(endpoint), table, prefix }),
  });
});
