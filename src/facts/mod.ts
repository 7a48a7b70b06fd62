/**
 * Reading facts: one probe, one exec, per host.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Resource } from "../model/resource.ts";
import type { Target } from "../transport/target.ts";
import { parseProbe } from "./parse.ts";
import { type ProbeHints, probeScript } from "./probe.ts";
import type { Facts } from "./state.ts";

export { parseProbe, stableLines } from "./parse.ts";
export { PROBE_PRELUDE, probeScript, probeSnippet, VOLATILE_TAGS } from "./probe.ts";
export type { ProbeHints } from "./probe.ts";
export * from "./state.ts";

/**
 * Reads the state of every resource on a target in ONE exec.
 *
 * @example
 * ```ts
 * import { readFacts } from "./mod.ts";
 * const facts = await readFacts(target, project.resources);
 * ```
 */
export async function readFacts(
  target: Target,
  resources: Resource[],
  hints: ProbeHints[] = [],
): Promise<Facts> {
  const result = await target.run("sh -s", { stdin: probeScript(resources, hints) });
  const stdout = new TextDecoder().decode(result.stdout);
  if (result.code !== 0) {
    const stderr = new TextDecoder().decode(result.stderr).trim().split("\n").slice(-5).join(
      "\n  ",
    );
    throw new HostkitError(
      "unreachable",
      `reading ${target.description} failed (exit ${result.code}): ${stderr || "no output"}`,
    );
  }
  return parseProbe(stdout, resources);
}
