/**
 * Reading facts: one probe, one exec, per host (plus at most one exec for
 * diff previews of changed text files).
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Resource } from "../model/resource.ts";
import { quote } from "../transport/shell.ts";
import type { RunResult, Target } from "../transport/target.ts";
import { parseProbe } from "./parse.ts";
import { probeScript } from "./probe.ts";
import type { Facts } from "./state.ts";
import type { Change } from "../plan/types.ts";

export { parseProbe } from "./parse.ts";
export { PROBE_PRELUDE, probeScript, VOLATILE_TAGS } from "./probe.ts";
export * from "./state.ts";

/** Largest current content fetched to show a diff. */
export const PREVIEW_LIMIT = 64 * 1024;

/** At most this many changed files are previewed per host. */
export const PREVIEW_FILES = 50;

function failure(target: Target, what: string, result: RunResult): HostkitError {
  const stderr = new TextDecoder().decode(result.stderr).trim().split("\n").slice(-5).join("\n  ");
  return new HostkitError(
    "unreachable",
    `${what} on ${target.description} failed (exit ${result.code}): ${stderr || "no output"}`,
  );
}

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
  options: { runsRoot?: string } = {},
): Promise<Facts> {
  const result = await target.run("sh -s", { stdin: probeScript(resources, options) });
  if (result.code !== 0) throw failure(target, "reading the host", result);
  return parseProbe(new TextDecoder().decode(result.stdout), resources);
}

/** What apply re-reads to refuse a stale plan: a probe of the changed resources. */
export interface StaleCheck {
  /** A probe printing only the stable lines of those resources. */
  script: string;
  /** The lines the plan observed, `INDEX<TAB>TAG<TAB>VALUE`, one per line. */
  expected: string;
  /** Index → change id. */
  ids: string[];
}

/**
 * The stale check of a host's changes: apply runs `script` after taking the
 * lock and compares its sorted output with `expected`; any difference names
 * the changes that moved since planning.
 *
 * @example
 * ```ts
 * import { staleCheck } from "./mod.ts";
 * staleCheck([]).ids; // []
 * ```
 */
export function staleCheck(changes: Change[]): StaleCheck {
  const checked = changes.filter((c) => c.observed !== undefined);
  const expected = checked.flatMap((c, i) => c.observed!.map((line) => `${i}\t${line}`));
  return {
    script: probeScript(checked.map((c) => c.resource), { stableOnly: true }),
    expected: expected.length ? expected.join("\n") + "\n" : "",
    ids: checked.map((c) => c.id),
  };
}

/**
 * The current content (first {@link PREVIEW_LIMIT} bytes) of up to
 * {@link PREVIEW_FILES} files, in ONE exec, for showing diffs.
 *
 * @example
 * ```ts
 * import { readPreviews } from "./mod.ts";
 * const previews = await readPreviews(target, ["/etc/app/config.toml"]);
 * ```
 */
export async function readPreviews(
  target: Target,
  paths: string[],
): Promise<Map<string, Uint8Array>> {
  const wanted = paths.slice(0, PREVIEW_FILES);
  if (wanted.length === 0) return new Map();
  const script = wanted.map((path, i) =>
    `printf '%s\\t' ${i}; head -c ${PREVIEW_LIMIT} -- ${
      quote(path)
    } 2>/dev/null | base64 | tr -d '\\n'; printf '\\n'`
  ).join("\n");
  const result = await target.run("sh -s", { stdin: `{\n${script}\n} </dev/null\n` });
  if (result.code !== 0) throw failure(target, "reading files for diffs", result);
  const previews = new Map<string, Uint8Array>();
  for (const line of new TextDecoder().decode(result.stdout).split("\n")) {
    const [index, data] = line.split("\t");
    if (data === undefined || wanted[Number(index)] === undefined) continue;
    previews.set(wanted[Number(index)], Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  }
  return previews;
}
