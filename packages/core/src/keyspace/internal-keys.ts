import { RESERVED_KEY_MARKER } from '../keys.js';

/**
 * Kinds of internal keys. Each lives under `U+001F <kind> ':'`; user keys cannot
 * start with U+001F (the facade rejects them), so internal keys are unreachable
 * from the public API and kinds cannot collide with one another.
 */
export type InternalKeyKind = 'lock' | 'rate' | 'refresh' | 'lease' | 'health' | 'tag';

/** The store key of an internal entry of `kind` named `name`. */
export function internalKey(kind: InternalKeyKind, name: string): string {
  return `${RESERVED_KEY_MARKER}${kind}:${name}`;
}
