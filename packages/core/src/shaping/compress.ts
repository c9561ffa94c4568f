import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { ConfigError, CorruptPayloadError } from '../errors.js';
import type { FrameCompression } from '../entry/frame.js';

/** Compression algorithms the facade can apply. */
export type CompressionAlgorithm = 'gzip' | 'brotli';

/** Compression settings: an algorithm name, or an object with a size threshold. */
export type CompressionOption =
  | CompressionAlgorithm
  | {
      /** Algorithm to compress new values with. */
      readonly algorithm: CompressionAlgorithm;
      /** Values smaller than this many bytes are stored uncompressed (default 1024). */
      readonly minBytes?: number;
    };

/** Normalized compression settings. */
export interface CompressionSettings {
  readonly algorithm: CompressionAlgorithm;
  readonly minBytes: number;
}

/**
 * Payloads at least this large are compressed on the libuv thread pool instead of
 * the event loop, so one big value doesn't stall every other request.
 */
const ASYNC_THRESHOLD = 64 * 1024;

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);
const brotliAsync = promisify(zlib.brotliCompress);
const unbrotliAsync = promisify(zlib.brotliDecompress);

const BROTLI_OPTIONS: zlib.BrotliOptions = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } };

/** Validates and normalizes the `compression` option. */
export function compressionSettings(option: CompressionOption | undefined): CompressionSettings | undefined {
  if (option === undefined) return undefined;
  const algorithm = typeof option === 'string' ? option : option?.algorithm;
  if (algorithm !== 'gzip' && algorithm !== 'brotli') {
    throw new ConfigError(`compression must be 'gzip' or 'brotli', got ${String(algorithm)}`);
  }
  const minBytes = typeof option === 'string' ? 1024 : (option.minBytes ?? 1024);
  if (!Number.isInteger(minBytes) || minBytes < 0) {
    throw new ConfigError(`compression.minBytes must be a non-negative integer, got ${minBytes}`);
  }
  return { algorithm, minBytes };
}

/**
 * Compresses `payload`, or returns `undefined` when compression is not worth it
 * (below the threshold, or the result is not smaller).
 */
export async function compress(
  payload: Uint8Array,
  settings: CompressionSettings,
): Promise<Uint8Array | undefined> {
  if (payload.byteLength < settings.minBytes) return undefined;
  const big = payload.byteLength >= ASYNC_THRESHOLD;
  let out: Uint8Array;
  if (settings.algorithm === 'gzip') out = big ? await gzipAsync(payload) : zlib.gzipSync(payload);
  else
    out = big ? await brotliAsync(payload, BROTLI_OPTIONS) : zlib.brotliCompressSync(payload, BROTLI_OPTIONS);
  return out.byteLength < payload.byteLength ? out : undefined;
}

/** Largest output inflated synchronously on the event loop; anything bigger goes to the thread pool. */
const SYNC_INFLATE_LIMIT = 256 * 1024;

function isTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
}

/**
 * Decompresses a body recorded with `algorithm`, never producing more than
 * `maxOutputBytes` (a decompression bomb fails instead of allocating gigabytes).
 *
 * Small outputs inflate synchronously (the common read path needs no extra
 * `await`), but only up to 256 KiB: a small body that inflates past that — the
 * shape of a bomb — is re-inflated on the thread pool, so the event loop never
 * spends more than a fraction of a millisecond on one entry.
 *
 * @throws {@link CorruptPayloadError} when the body is not valid compressed data
 * or would inflate past `maxOutputBytes`.
 */
export function decompress(
  body: Uint8Array,
  algorithm: FrameCompression,
  maxOutputBytes: number,
): Uint8Array | Promise<Uint8Array> {
  if (algorithm === 'none') return body;
  const fail = (error: unknown): never => {
    if (isTooLarge(error)) {
      throw new CorruptPayloadError(
        `stored ${algorithm} data inflates past maxDecompressedBytes (${maxOutputBytes} bytes)`,
        { cause: error },
      );
    }
    throw new CorruptPayloadError(`stored ${algorithm} data is corrupt`, { cause: error });
  };
  const syncLimit = Math.min(maxOutputBytes, SYNC_INFLATE_LIMIT);
  if (body.byteLength < ASYNC_THRESHOLD / 4) {
    try {
      const options = { maxOutputLength: syncLimit };
      return algorithm === 'gzip' ? zlib.gunzipSync(body, options) : zlib.brotliDecompressSync(body, options);
    } catch (error) {
      // Past the inline limit but maybe within the configured one: finish off the loop.
      if (!isTooLarge(error) || syncLimit === maxOutputBytes) return fail(error);
    }
  }
  const options = { maxOutputLength: maxOutputBytes };
  return (algorithm === 'gzip' ? gunzipAsync(body, options) : unbrotliAsync(body, options)).catch(fail);
}
