import { NatsStore } from '@cache/nats';
import { describeBackend } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';

describeBackend('nats', (servers) => {
  // Each store creates and owns its connection; all share one test bucket and
  // are scoped by the suite's fresh prefixes (flushed after every test).
  runContractSuites({
    name: 'nats',
    create: (prefix) => new NatsStore({ servers: servers.split(','), bucket: 'cache_integration', prefix }),
  });
});
