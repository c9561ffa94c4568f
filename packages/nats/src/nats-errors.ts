/**
 * Recognising the JetStream API errors the store reacts to. nats.js reports
 * them as a `NatsError` whose `api_error.err_code` is JetStream's stable code.
 */

/** JetStream: an `Nats-Expected-Last-Subject-Sequence` check failed (someone wrote first). */
export const WRONG_LAST_SEQUENCE = 10071;
/** JetStream: a stream with that name exists (a concurrent bucket creation). */
export const STREAM_NAME_IN_USE = 10058;

/** The JetStream `err_code` of `error`, if it is a JetStream API error. */
export function jetStreamErrorCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const api = (error as { api_error?: { err_code?: unknown } }).api_error;
  return typeof api?.err_code === 'number' ? api.err_code : undefined;
}

/** Whether `error` is a lost optimistic-concurrency race. */
export function isWrongLastSequence(error: unknown): boolean {
  return jetStreamErrorCode(error) === WRONG_LAST_SEQUENCE;
}

/** JetStream: the stream does not exist. */
export const STREAM_NOT_FOUND = 10059;

/**
 * Whether `error` suggests the bucket's stream is gone (a server that restarted
 * without its data): publishes find no responder (503), API calls report
 * "stream not found", and direct gets simply time out. A timeout may also be a
 * slow server; re-checking the bucket then costs one lookup.
 */
export function suggestsMissingBucket(error: unknown): boolean {
  if (jetStreamErrorCode(error) === STREAM_NOT_FOUND) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return code === '503' || code === 'TIMEOUT';
}
