/**
 * `@cache/dynamodb`: a `Store` on a DynamoDB table.
 *
 * @packageDocumentation
 */
export { DynamoStore } from './dynamo-store.js';
export type { DynamoStoreOptions } from './options.js';
export { MAX_ITEM_BYTES } from './item-size.js';
