/**
 * Tracked runs on a host: list records, fetch one with its plan, prune old
 * ones with their plan copies and backups. Everything stays on the host; a
 * corrupt or foreign record is reported and skipped.
 *
 * @module
 */
import { z } from "zod";
import { HostkitError } from "../errors.ts";
import { parsePlan } from "../plan/artifact.ts";
import type { Plan } from "../plan/types.ts";
import { quote } from "../transport/shell.ts";
import type { Target } from "../transport/target.ts";
import { RunIdSchema, type RunRecord, RunRecordSchema } from "./record.ts";

export { RUN_FORMAT, RUN_VERSION, RunRecordSchema } from "./record.ts";
export type { RunRecord, Tracking } from "./record.ts";

/** A record that could not be read: not JSON, or not a hostkit run record. */
export interface RecordProblem {
  /** The record file on the host. */
  path: string;
  /** Why it was skipped (never the file's content). */
  error: string;
}

/** Records newest first, and the problems met. */
export interface RunList {
  /** The valid records, newest first. */
  records: RunRecord[];
  /** Files under the runs directory that were skipped, and why. */
  problems: RecordProblem[];
}

const SEPARATOR = "\x1e";

/** Runs a script; `known` maps exit codes the script uses on purpose to input errors. */
async function exec(
  target: Target,
  script: string,
  what: string,
  known: Record<number, string> = {},
): Promise<string> {
  const result = await target.run("sh -s", { stdin: `{\n${script}\n} </dev/null\n` });
  if (known[result.code]) throw new HostkitError("input", known[result.code]);
  if (result.code !== 0) {
    const stderr = new TextDecoder().decode(result.stderr).trim();
    throw new HostkitError(
      "unreachable",
      `${what} on ${target.description} failed: ${stderr || `exit ${result.code}`}`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}

/**
 * Lists the run records under `runsRoot` on a host, newest first, in one exec.
 *
 * @example
 * ```ts
 * import { listRuns } from "./mod.ts";
 * import { Target } from "../transport/target.ts";
 * const { records, problems } = await listRuns(Target.local(), "/var/lib/hostkit");
 * console.log(records.map((r) => r.id), problems);
 * ```
 */
export async function listRuns(target: Target, runsRoot: string): Promise<RunList> {
  const dir = `${runsRoot}/runs`;
  const out = await exec(
    target,
    `cd ${quote(dir)} 2>/dev/null || exit 0
for f in *.json; do [ -f "$f" ] || continue; printf '${SEPARATOR}%s\\n' "$f"; cat -- "$f"; done`,
    "listing runs",
  );
  const records: RunRecord[] = [];
  const problems: RecordProblem[] = [];
  for (const chunk of out.split(SEPARATOR).slice(1)) {
    const newline = chunk.indexOf("\n");
    const path = `${dir}/${chunk.slice(0, newline)}`;
    let value: unknown;
    try {
      value = JSON.parse(chunk.slice(newline + 1));
    } catch (error) {
      problems.push({ path, error: `not JSON (${(error as Error).message})` });
      continue;
    }
    const parsed = RunRecordSchema.safeParse(value);
    if (parsed.success) records.push(parsed.data);
    else {problems.push({
        path,
        error: `not a hostkit run record: ${z.prettifyError(parsed.error).split("\n")[0]}`,
      });}
  }
  // Newest first. Ids have second granularity, so the start time (with milliseconds) decides.
  records.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id));
  return { records, problems };
}

/**
 * A run's record and the plan it applied (copied next to the record).
 *
 * @example
 * ```ts
 * import { readRun } from "./mod.ts";
 * import { Target } from "../transport/target.ts";
 * const { record, plan } = await readRun(Target.local(), "/var/lib/hostkit", "last");
 * console.log(record.id, plan.hosts.length);
 * ```
 */
export async function readRun(
  target: Target,
  runsRoot: string,
  id: string | "last",
): Promise<{ record: RunRecord; plan: Plan; problems: RecordProblem[] }> {
  const { records, problems } = await listRuns(target, runsRoot);
  const record = id === "last"
    // A run automatic rollback already undid is not the one to undo again.
    ? records.find((r) => r.direction === "up" && r.status !== "rolled_back")
    : records.find((r) => r.id === id);
  if (!record) {
    const known = records.slice(0, 5).map((r) => r.id).join(", ");
    throw new HostkitError(
      "input",
      id === "last"
        ? `no tracked up run under ${runsRoot} on ${target.name} (apply with --track to keep one)`
        : `no run ${id} under ${runsRoot} on ${target.name}${known ? ` (latest: ${known})` : ""}`,
    );
  }
  if (!record.plan) {
    throw new HostkitError(
      "input",
      `run ${record.id} kept no plan artifact to derive a down plan from`,
    );
  }
  const MISSING = 3;
  const text = await exec(
    target,
    `[ -f ${quote(record.plan)} ] || exit ${MISSING}; cat -- ${quote(record.plan)}`,
    `reading ${record.plan}`,
    { [MISSING]: `run ${record.id}: its plan copy ${record.plan} is gone from ${target.name}` },
  );
  return { record, plan: parsePlan(text, `${target.name}:${record.plan}`), problems };
}

/**
 * Deletes all but the newest `keep` records with their plan copies and backup
 * directories, in one exec. Only paths derived from the roots and a valid run
 * id are removed.
 *
 * @example
 * ```ts
 * import { pruneRuns } from "./mod.ts";
 * import { Target } from "../transport/target.ts";
 * const removed = await pruneRuns(Target.local(), "/var/lib/hostkit", { keep: 10 });
 * console.log(removed); // the ids of the runs deleted
 * ```
 */
export async function pruneRuns(
  target: Target,
  runsRoot: string,
  options: { keep: number; backupsRoot?: string },
): Promise<string[]> {
  const { records } = await listRuns(target, runsRoot);
  const doomed = records.slice(options.keep).map((r) => RunIdSchema.parse(r.id));
  if (doomed.length === 0) return [];
  const backupsRoot = options.backupsRoot ?? `${runsRoot}/backups`;
  const paths = doomed.flatMap((id) => [
    `${runsRoot}/runs/${id}.json`,
    `${runsRoot}/plans/${id}.plan.json`,
    `${backupsRoot}/${id}`,
    `${runsRoot}/rollback/${id}`,
  ]);
  await exec(target, `rm -rf -- ${paths.map((p) => quote(p)).join(" ")}`, "pruning runs");
  return doomed;
}

/**
 * Tracked runs on a host, as the reference names them: `runs.list(target,
 * runsRoot)`, `runs.read(target, runsRoot, id | "last")` and
 * `runs.prune(target, runsRoot, { keep })`.
 *
 * @example
 * ```ts
 * import { runs } from "./mod.ts";
 * import { Target } from "../transport/target.ts";
 * const here = Target.local();
 * const { records } = await runs.list(here, "/var/lib/hostkit");
 * if (records.length > 10) await runs.prune(here, "/var/lib/hostkit", { keep: 10 });
 * ```
 */
export const runs: {
  /** Lists the run records under a runs root, newest first. */
  list(target: Target, runsRoot: string): Promise<RunList>;
  /** Reads one run's record and the plan it applied (`"last"`: the newest up run). */
  read(
    target: Target,
    runsRoot: string,
    id: string | "last",
  ): Promise<{ record: RunRecord; plan: Plan; problems: RecordProblem[] }>;
  /** Deletes all but the newest `keep` runs, with their plan copies and backups; returns their ids. */
  prune(
    target: Target,
    runsRoot: string,
    options: { keep: number; backupsRoot?: string },
  ): Promise<string[]>;
} = { list: listRuns, read: readRun, prune: pruneRuns };
