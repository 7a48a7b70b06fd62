/**
 * Config loading: sandboxed in a child process, transpiled, validated.
 *
 * @module
 */
export { ConfigTimeoutError, load } from "./load.ts";
export type { LoadOptions } from "./load.ts";
export { validateSpec } from "./validate.ts";
export { ConfigError } from "./error.ts";
export { projectRootOf, SourcePolicy, SourceRefused } from "./sources.ts";
export { sourceReader } from "./source_reader.ts";
