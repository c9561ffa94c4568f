/**
 * `@cache/fake`: an in-memory `Cache` test double that records every call.
 *
 * @packageDocumentation
 */
export { createFake } from './fake.js';
export type { CacheFake, FakeOptions, RecordedCall } from './fake.js';
