/** The instrumentation's name (the package's, as OpenTelemetry instrumentations do). */
export const INSTRUMENTATION_NAME = '@cache/opentelemetry';

/** The package version; a test keeps it equal to package.json's. */
export const INSTRUMENTATION_VERSION = '0.1.0';
