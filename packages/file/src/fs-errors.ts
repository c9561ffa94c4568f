/**
 * Small helpers for Node's errno-style filesystem errors.
 */

/** The `code` of a Node system error (`'ENOENT'`, …), or `undefined` for anything else. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** Whether `error` is a Node system error with one of the given codes. */
export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = errnoCode(error);
  return code !== undefined && codes.includes(code);
}
