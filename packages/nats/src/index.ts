/**
 * `@cache/nats`: a `Store` on a NATS JetStream key-value bucket.
 *
 * @packageDocumentation
 */
export { NatsStore } from './nats-store.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, type NatsStoreOptions } from './options.js';
export { NatsDisconnectedError } from './nats-session.js';
