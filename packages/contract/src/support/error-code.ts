import { expect } from 'vitest';

/**
 * Awaits `promise`, asserts that it rejects with an error whose `code` is one of
 * `codes` (codes, not classes: they survive two copies of `@cache/core`), and
 * returns that error.
 */
export async function expectErrorCode(
  promise: Promise<unknown>,
  codes: readonly string[],
  what: string,
): Promise<Error & { code: string }> {
  const outcome = await promise.then(
    (value) => ({ resolved: true as const, value }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) {
    expect.fail(
      `${what}: expected a rejection with ${codes.join(' or ')}, resolved ${String(outcome.value)}`,
    );
  }
  const code = (outcome.error as { code?: unknown } | null)?.code;
  expect(codes, `${what}: rejected with ${String(outcome.error)} (code ${String(code)})`).toContain(code);
  return outcome.error as Error & { code: string };
}
