import { RedisStore } from '@cache/redis';
import { describeBackend } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';

describeBackend('redis', (url) => {
  // Each store creates and owns its connection (the path most applications use).
  runContractSuites({ name: 'redis', create: (prefix) => new RedisStore({ url, prefix }) });
});
