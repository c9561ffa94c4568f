/**
 * `@cache/opentelemetry`: OpenTelemetry spans and metrics for `@cache/core`,
 * from the `diagnostics_channel` tracing channels the core publishes on.
 *
 * @packageDocumentation
 */
export { ATTR, dbSystemName } from './attributes.js';
export type { CacheInstrumentationConfig } from './config.js';
export { CacheInstrumentation } from './instrumentation.js';
export { INSTRUMENTATION_NAME, INSTRUMENTATION_VERSION } from './version.js';
