/**
 * `@cache/file`: a filesystem {@link "@cache/core"!Store | Store} for `@cache/core`, with atomic
 * writes and cross-process atomic `add`/`increment`/`deleteIfEquals`.
 *
 * @packageDocumentation
 */
export { type FilePruneOptions, FileStore } from './file-store.js';
export type { FileStoreOptions } from './options.js';
