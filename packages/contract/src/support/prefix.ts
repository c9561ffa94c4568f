import { randomBytes } from 'node:crypto';

/**
 * A fresh prefix for one store under test: `ct_` plus 12 random hex digits.
 *
 * Letters, digits and one underscore only, so every backend (SQL identifiers,
 * NATS bucket and key tokens, memcached keys) accepts it unchanged, and random
 * enough that concurrent runs on a shared server never meet.
 */
export function uniquePrefix(): string {
  return `ct_${randomBytes(6).toString('hex')}`;
}
