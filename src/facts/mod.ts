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
import { GUARD_NOT_EVALUATED } from "../kinds/command.ts";
import type { Facts, PathState } from "./state.ts";
import type { Change } from "../plan/types.ts";

export { parseProbe } from "./parse.ts";
export { PROBE_PRELUDE, probeScript, VOLATILE_TAGS } from "./probe.ts";
export * from "./state.ts";

/**
 * The shell reads run in: a cleared environment, so nothing of the controller's
 * (with `--local`, CI's secrets) reaches a guard or anything else the probe runs.
 */
export const CLEAN_SH =
  "env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C sh -s";

/** Largest current content fetched to show a diff. */
export const PREVIEW_LIMIT = 64 * 1024;

/**
 * Whether hostkit may show a file's current content to a reviewer: a regular
 * file that every user of the host may read, outside /proc, /sys and /dev.
 *
 * @example
 * ```ts
 * import { previewable } from "./mod.ts";
 * previewable("/etc/motd", { exists: true, type: "file", owner: "root", group: "root", mode: 0o644, size: 3 });
 * // true
 * ```
 */
export function previewable(path: string, state: PathState | undefined): boolean {
  if (!state?.exists || state.type !== "file" || (state.mode & 0o004) === 0) return false;
  return !/^\/(proc|sys|dev)(\/|$)/.test(path);
}

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
 * import { project } from "../dsl/mod.ts";
 * import { Target } from "../transport/target.ts";
 *
 * const demo = project("demo", (p) => p.directory("/srv/app"));
 * const facts = await readFacts(Target.local(), demo.resources);
 * facts.states["directory:/srv/app"].path?.exists; // false on a fresh machine
 * ```
 */
export async function readFacts(
  target: Target,
  resources: Resource[],
  options: {
    runsRoot?: string;
    runGuards?: boolean;
    /** More probe lines (semantic packages' candidate names), in the same exec. */
    extra?: string;
    /** Receives the whole output (for the lines `extra` printed). */
    output?: (text: string) => void;
  } = {},
): Promise<Facts> {
  const result = await target.run(CLEAN_SH, { stdin: probeScript(resources, options) });
  if (result.code !== 0) throw failure(target, "reading the host", result);
  const text = new TextDecoder().decode(result.stdout);
  options.output?.(text);
  return parseProbe(text, resources);
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
  // Guards run again only if planning ran them (the operator opted in then).
  const runGuards = !checked.some((c) => c.observed!.includes(`unless\t${GUARD_NOT_EVALUATED}`));
  return {
    script: probeScript(checked.map((c) => c.resource), { stableOnly: true, runGuards }),
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
 * import { Target } from "../transport/target.ts";
 *
 * const previews = await readPreviews(Target.local(), ["/etc/hostname"]);
 * previews.get("/etc/hostname"); // its bytes, when world-readable
 * ```
 */
export async function readPreviews(
  target: Target,
  paths: string[],
): Promise<Map<string, Uint8Array>> {
  const wanted = paths.slice(0, PREVIEW_FILES);
  if (wanted.length === 0) return new Map();
  // Only regular files every user of the host may read, and nothing under /proc, /sys or
  // /dev (checked again here, where the file is): a preview must not become a way to read
  // what the connecting user (root, under sudo) can read and the reviewer should not.
  const script = wanted.map((path, i) =>
    `p=${quote(path)}; case $(readlink -f -- "$p") in /proc/*|/sys/*|/dev/*) ;; *) ` +
    `if [ -n "$(find "$p" -maxdepth 0 -type f -perm -o=r 2>/dev/null)" ]; then ` +
    `printf '%s\\t' ${i}; head -c ${PREVIEW_LIMIT} -- "$p" 2>/dev/null | base64 | tr -d '\\n'; ` +
    `printf '\\n'; fi ;; esac`
  ).join("\n");
  const result = await target.run(CLEAN_SH, { stdin: `{\n${script}\n} </dev/null\n` });
  if (result.code !== 0) throw failure(target, "reading files for diffs", result);
  const previews = new Map<string, Uint8Array>();
  for (const line of new TextDecoder().decode(result.stdout).split("\n")) {
    const [index, data] = line.split("\t");
    if (data === undefined || wanted[Number(index)] === undefined) continue;
    previews.set(wanted[Number(index)], Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
  }
  return previews;
}
