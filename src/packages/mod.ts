/**
 * OS packages by meaning: semantic names resolved through Repology (cached) or a lock, the
 * target repository from OS facts, package versions read from the host's package manager, and
 * mise bootstrap helpers.
 *
 * @example
 * ```ts
 * import { preparePackages } from "./mod.ts";
 * import { project } from "../dsl/mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const demo = project("demo", (p) => p.package("ca_certificates"));
 * const targets = [Target.local()];
 * const prepared = await preparePackages(demo.resources, targets.length > 0, {
 *   repo: "debian_12",
 *   repologyUrl: "http://127.0.0.1:8080",
 * });
 * ```
 *
 * @module
 */
export * from "./cache.ts";
export * from "./client.ts";
export * from "./clock.ts";
export * from "./lock.ts";
export * from "./names.ts";
export * from "./plan.ts";
export * from "./probe.ts";
export * from "./records.ts";
export * from "./resolve.ts";
export * from "./target_repo.ts";
export * from "./flags.ts";
export * from "./mise.ts";
