import type { StoreCheck } from '../check.js';
import { addChecks } from './add.js';
import { batchChecks } from './batch.js';
import { deleteChecks } from './delete.js';
import { expiryChecks } from './expiry.js';
import { flushChecks } from './flush.js';
import { incrementChecks } from './increment.js';
import { keyChecks } from './keys.js';
import { lifecycleChecks } from './lifecycle.js';
import { prefixChecks } from './prefixes.js';
import { roundTripChecks } from './round-trip.js';
import { signalChecks } from './signals.js';
import { syncReadChecks } from './sync-read.js';
import { valueChecks } from './values.js';

/** Every check of the Store contract, in the order they run. */
export const storeChecks: readonly StoreCheck[] = [
  ...roundTripChecks,
  ...expiryChecks,
  ...addChecks,
  ...incrementChecks,
  ...deleteChecks,
  ...flushChecks,
  ...prefixChecks,
  ...batchChecks,
  ...valueChecks,
  ...keyChecks,
  ...signalChecks,
  ...syncReadChecks,
  ...lifecycleChecks,
];
