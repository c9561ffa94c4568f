import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/**
 * Expression plumbing. Every attribute is referenced through a `#name`
 * placeholder (`ttl` is a DynamoDB reserved word, and placeholders make the
 * rest immune to future reserved words). DynamoDB rejects placeholders that an
 * expression does not use, so the name map is derived from the expressions.
 */

const PLACEHOLDER = /#(\w+)/g;

/** `ExpressionAttributeNames` for exactly the `#name` placeholders used in `expressions`. */
export function namesFor(...expressions: (string | undefined)[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const expression of expressions) {
    if (expression === undefined) continue;
    for (const match of expression.matchAll(PLACEHOLDER)) names[match[0]] = match[1] as string;
  }
  return names;
}

/** A number attribute value. */
export function num(value: number): AttributeValue {
  return { N: String(value) };
}

/** Whether `error` is DynamoDB's "the condition did not hold" (an expected outcome, not a failure). */
export function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}
