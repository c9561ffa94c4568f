import type { CacheCheck } from '../check.js';
import { cancellationChecks } from './cancellation.js';
import { faultChecks } from './faults.js';
import { keySpaceChecks } from './key-space.js';
import { lockChecks } from './locks.js';
import { nullChecks } from './null.js';
import { observabilityChecks } from './observability.js';
import { rateLimitChecks } from './rate-limit.js';
import { distributedChecks, readThroughChecks } from './read-through.js';
import { refreshAheadChecks } from './refresh-ahead.js';
import { rememberChecks } from './remember.js';
import { shapingChecks } from './shaping.js';
import { staleChecks } from './stale.js';
import { tagChecks } from './tags.js';
import { valueChecks } from './values.js';

/** The helper invariants over a store that keeps what it is given. */
export const cacheChecks: readonly CacheCheck[] = [
  ...valueChecks,
  ...rememberChecks,
  ...readThroughChecks,
  ...distributedChecks,
  ...staleChecks,
  ...refreshAheadChecks,
  ...lockChecks,
  ...rateLimitChecks,
  ...cancellationChecks,
  ...shapingChecks,
  ...keySpaceChecks,
  ...tagChecks,
  ...observabilityChecks,
  ...faultChecks,
];

/** The invariants a store that keeps nothing can meet. */
export { nullChecks };
/** The hybrid tier's own invariants (two nodes, one store, one bus), added to hybrid runs. */
export { hybridChecks } from './hybrid.js';
