import type { CacheCheck } from '../check.js';
import { cancellationChecks } from './cancellation.js';
import { faultChecks } from './faults.js';
import { lockChecks } from './locks.js';
import { nullChecks } from './null.js';
import { rateLimitChecks } from './rate-limit.js';
import { refreshAheadChecks } from './refresh-ahead.js';
import { rememberChecks } from './remember.js';
import { shapingChecks } from './shaping.js';
import { staleChecks } from './stale.js';
import { valueChecks } from './values.js';

/** The helper invariants over a store that keeps what it is given. */
export const cacheChecks: readonly CacheCheck[] = [
  ...valueChecks,
  ...rememberChecks,
  ...staleChecks,
  ...refreshAheadChecks,
  ...lockChecks,
  ...rateLimitChecks,
  ...cancellationChecks,
  ...shapingChecks,
  ...faultChecks,
];

/** The invariants a store that keeps nothing can meet. */
export { nullChecks };
