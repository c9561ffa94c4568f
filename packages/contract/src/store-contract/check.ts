import type { TestContext } from 'vitest';
import type { StoreHarness } from './harness.js';

/** One named check of the Store contract; the name is the test title and the key for `skip`. */
export interface StoreCheck {
  /** Test title, unique within the suite. */
  readonly name: string;
  /** The check body. */
  readonly run: (harness: StoreHarness, test: TestContext) => Promise<void>;
}
