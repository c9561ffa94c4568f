/**
 * The record and TTL every benchmark writes, so that figures from different
 * backends are comparable: the issues state their targets for a ~200-byte object.
 */

/** Shape of {@link USER}. */
export interface User {
  id: number;
  name: string;
  email: string;
  roles: string[];
  flags: { active: boolean; verified: boolean; beta: boolean };
  createdAt: string;
}

/** A ~200-byte record. */
export const USER: User = {
  id: 48_213,
  name: 'Ada Lovelace',
  email: 'ada.lovelace@analytical-engine.example',
  roles: ['admin', 'editor', 'billing'],
  flags: { active: true, verified: true, beta: false },
  createdAt: '2024-03-18T09:41:27.512Z',
};

/** {@link USER} as JSON text. */
export const USER_JSON = JSON.stringify(USER);

/** {@link USER} as JSON bytes (what the default codec stores). */
export const USER_BYTES = new TextEncoder().encode(USER_JSON);

/** TTL of every written entry: long enough never to expire during a run. */
export const TTL_MS = 300_000;
