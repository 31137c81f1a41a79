// Public surface of the config reader. Everything else in src/config is internal.
export { loadConfig, defaultConfigId, type LoadOptions, type LoadResult } from './load.js';
export { formatDiagnostic, type Diagnostic, type Severity, type SourceRef } from './diagnostics.js';
export { checkInterfaces } from './validate.js';
export { DEFAULTS } from './complete.js';
export { CONNTRACK_DEFAULTS } from './keywords/conntrack.js';
export type * from './types.js';
