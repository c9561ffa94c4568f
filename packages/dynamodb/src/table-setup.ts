import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  type TableDescription,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { ConfigError } from '@cache/core';
import { ATTR } from './item.js';

/** What {@link ensureTable} needs. */
export interface TableSetup {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** Deadline for the table to become ACTIVE, in ms. */
  readonly readyTimeoutMs: number;
  /** Aborts the control-plane requests (the setup's own deadline). */
  readonly signal: AbortSignal;
}

const POLL_MS = 250;

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

async function describe(setup: TableSetup): Promise<TableDescription | undefined> {
  try {
    const result = await setup.client.send(new DescribeTableCommand({ TableName: setup.table }), {
      abortSignal: setup.signal,
    });
    return result.Table;
  } catch (error) {
    if (errorName(error) === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

/** Refuses a table whose key schema is not `pk` (HASH, S) + `sk` (RANGE, S). */
function assertSchema(table: string, description: TableDescription): void {
  const hash = description.KeySchema?.find((k) => k.KeyType === 'HASH')?.AttributeName;
  const range = description.KeySchema?.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const types = new Map(description.AttributeDefinitions?.map((d) => [d.AttributeName, d.AttributeType]));
  if (hash !== ATTR.pk || range !== ATTR.sk || types.get(ATTR.pk) !== 'S' || types.get(ATTR.sk) !== 'S') {
    throw new ConfigError(
      `DynamoDB table "${table}" exists with another key schema: @cache/dynamodb needs pk (HASH, S) + sk (RANGE, S)`,
    );
  }
}

/**
 * Makes sure the table exists with the expected schema and is ACTIVE, creating
 * it (on-demand billing) when missing, then tries to enable native TTL.
 *
 * Safe to run from many processes at once: a concurrent creator's
 * `ResourceInUseException` just means "someone else is creating it; wait".
 *
 * @throws {@link ConfigError} when an existing table has another key schema
 */
export async function ensureTable(setup: TableSetup): Promise<void> {
  let description = await describe(setup);
  if (description === undefined) {
    try {
      const created = await setup.client.send(
        new CreateTableCommand({
          TableName: setup.table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: ATTR.pk, AttributeType: 'S' },
            { AttributeName: ATTR.sk, AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: ATTR.pk, KeyType: 'HASH' },
            { AttributeName: ATTR.sk, KeyType: 'RANGE' },
          ],
        }),
        { abortSignal: setup.signal },
      );
      description = created.TableDescription;
    } catch (error) {
      if (errorName(error) !== 'ResourceInUseException') throw error;
    }
  }
  const deadline = Date.now() + setup.readyTimeoutMs;
  while (description?.TableStatus !== 'ACTIVE') {
    if (Date.now() > deadline) {
      throw new Error(`table "${setup.table}" did not become ACTIVE within ${setup.readyTimeoutMs} ms`);
    }
    if (description !== undefined) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    description = await describe(setup);
  }
  assertSchema(setup.table, description);
  await enableNativeTtl(setup);
}

/**
 * Turns on DynamoDB's TTL sweeper for the `ttl` attribute when it is off. Best
 * effort: DynamoDB-compatible servers without the API (dynalite), missing IAM
 * permissions or a concurrent change must not stop the cache, because expiry is
 * enforced on read anyway; the sweeper only reclaims space.
 */
async function enableNativeTtl(setup: TableSetup): Promise<void> {
  try {
    const current = await setup.client.send(new DescribeTimeToLiveCommand({ TableName: setup.table }), {
      abortSignal: setup.signal,
    });
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await setup.client.send(
      new UpdateTimeToLiveCommand({
        TableName: setup.table,
        TimeToLiveSpecification: { AttributeName: ATTR.ttl, Enabled: true },
      }),
      { abortSignal: setup.signal },
    );
  } catch {
    // Absent API or permission: see above.
  }
}
