import type { TestContext } from 'vitest';
import type { CacheHarness } from './harness.js';

/** One named helper invariant; the name is the test title and the key for `skip`. */
export interface CacheCheck {
  /** Test title, unique within the suite. */
  readonly name: string;
  /** The check body. */
  readonly run: (harness: CacheHarness, test: TestContext) => Promise<void>;
}
