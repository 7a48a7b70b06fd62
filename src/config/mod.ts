/**
 * Config loading: sandboxed, transpiled, validated.
 *
 * @module
 */
export { ConfigTimeoutError, load, validateSpec } from "./load.ts";
export type { LoadOptions } from "./load.ts";
export { ConfigError } from "./error.ts";
