/**
 * `@cache/nats`: a `Store` on a NATS JetStream key-value bucket.
 *
 * @packageDocumentation
 */
export { NatsStore } from './nats-store.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_VALUE_BYTES, type NatsStoreOptions } from './options.js';
export { NatsDisconnectedError } from './nats-session.js';
export { KvRequestError, type KvApiError } from './direct-kv.js';
export {
  NatsBus,
  type NatsBusOptions,
  DEFAULT_NATS_BUS_TIMEOUT_MS,
  DEFAULT_SUBJECT_PREFIX,
} from './nats-bus.js';
