import { NatsStore } from '@cache/nats';
import { distributedSuite } from './support/distributed-suite.js';

distributedSuite({
  backend: 'nats',
  driver: 'nats',
  // The integration bucket; the run's own prefix keeps it apart from other runs.
  scope: () => 'cache_integration',
  create: (servers, prefix, bucket) => new NatsStore({ servers: servers.split(','), bucket, prefix }),
  bus: (servers) => ({ kind: 'nats', address: servers }),
});
