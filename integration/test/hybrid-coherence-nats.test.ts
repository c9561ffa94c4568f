import { NatsStore } from '@cache/nats';
import { coherenceSuite, NATS_BUS } from './support/coherence-suite.js';

// L2 (a JetStream KV bucket) and the bus on the shared NATS server; the gap test
// moves the bus to a nats-server of its own, which it kills.
coherenceSuite({
  title: 'NATS KV L2 + NatsBus',
  backend: 'nats',
  node: (address, prefix) => ({ driver: 'nats', address, prefix, scope: 'cache_integration' }),
  create: (node) =>
    new NatsStore({ servers: node.address.split(','), bucket: node.scope, prefix: node.prefix }),
  bus: { ...NATS_BUS, shared: (servers) => servers },
});
