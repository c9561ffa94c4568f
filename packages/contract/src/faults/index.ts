/**
 * `@cache/contract/faults`: the fault-injection store wrappers alone, without
 * vitest, so they load anywhere (CommonJS included): integration harnesses,
 * demos, chaos tests in a staging process.
 *
 * @packageDocumentation
 */
export { withLatency, LatencyStore, type LatencyOptions } from './with-latency.js';
export { failingStore, FailingStore, type FailingStoreOptions } from './failing-store.js';
export { flakyStore, FlakyStore, type FlakyStoreOptions } from './flaky-store.js';
export { recordingStore, RecordingStore } from './recording-store.js';
export { StoreWrapper } from './store-wrapper.js';
export { interceptBus, InterceptedBus, type DeliveryFilter } from './intercepted-bus.js';
export type { ErrorFactory } from './injected-error.js';
export {
  STORE_OPERATIONS,
  DATA_OPERATIONS,
  type StoreOperationName,
  type StoreCall,
} from './store-operation.js';
