import { MemcachedStore } from '@cache/memcached';
import { describeBackend } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';
import { ASCII_AWKWARD_PREFIX_SUFFIX } from '../src/shapes.js';

describeBackend('memcached', (servers) => {
  runContractSuites({
    name: 'memcached',
    create: (prefix) => new MemcachedStore({ servers: servers.split(','), prefix }),
    // The memcached driver accepts printable ASCII prefixes only.
    prefixSuffix: ASCII_AWKWARD_PREFIX_SUFFIX,
  });
});

describeBackend('memcached-multi', (servers) => {
  runContractSuites({
    name: 'memcached (3 servers)',
    create: (prefix) => new MemcachedStore({ servers: servers.split(','), prefix }),
    // The memcached driver accepts printable ASCII prefixes only.
    prefixSuffix: ASCII_AWKWARD_PREFIX_SUFFIX,
  });
});
