import { NatsStore } from '@cache/nats';
import { crossProcessSuite } from './support/cross-process-suite.js';

crossProcessSuite({
  backend: 'nats',
  driver: 'nats',
  atomicBy: 'optimistic revision checks',
  inFlight: 16,
  // The integration bucket; the run's own prefix keeps it apart from other runs.
  scope: () => 'cache_integration',
  create: (servers, prefix, bucket) => new NatsStore({ servers: servers.split(','), bucket, prefix }),
  incrementTimeoutMs: 170_000,
});
