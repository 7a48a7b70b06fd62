/**
 * Config loading: sandboxed in a child process, transpiled, validated.
 *
 * @module
 */
export { ConfigTimeoutError, load } from "./load.ts";
export type { LoadOptions } from "./load.ts";
export { moduleCache } from "./module_cache.ts";
export type { ModuleCache } from "./module_cache.ts";
export { resultCache } from "./result_cache.ts";
export type { EvaluationKey, EvaluationResult, ResultCache } from "./result_cache.ts";
export type { ModuleSource } from "./graph.ts";
export { validateSpec } from "./validate.ts";
export { ConfigError } from "./error.ts";
export { projectRootOf, SourcePolicy, SourceRefused } from "./sources.ts";
export { sourceReader } from "./source_reader.ts";
