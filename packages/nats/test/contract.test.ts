import { runCacheContract, runStoreContract } from '@cache/contract';
import { NatsStore } from '../src/index.js';
import { SHARED_NATS_URL } from './support/nats-server.js';

// The shared @cache/contract suites against the shared JetStream server; every
// store gets a fresh `ct_…` prefix in one test bucket and is flushed afterwards.
const create = ({ prefix }: { prefix: string }) =>
  new NatsStore({ servers: SHARED_NATS_URL, bucket: 'cache_nats_contract', prefix });

runStoreContract({ name: 'nats', create });
runCacheContract({ name: 'nats', create });
