/**
 * Plans as text for people: a summary line per host, then one block per
 * change with a mark (`+ ~ - = !`), its id, its reason and a colored diff.
 *
 * @module
 */
import { handlerOf } from "../kinds/mod.ts";
import { visible } from "../text/visible.ts";
import type { Change, HostPlan, Plan, Summary } from "./types.ts";

/** Options of {@link formatPlan}. */
export interface FormatOptions {
  /** ANSI colors; default: only on a TTY and when NO_COLOR is unset. */
  color?: boolean;
  /** Also list unchanged resources. */
  verbose?: boolean;
}

const MARKS: Record<Change["action"], string> = {
  create: "+",
  update: "~",
  delete: "-",
  noop: "=",
  read_error: "!",
};

const COLORS: Record<string, string> = {
  "+": "\x1b[32m",
  "~": "\x1b[33m",
  "-": "\x1b[31m",
  "=": "\x1b[2m",
  "!": "\x1b[35m",
};

/** Whether stdout should get colors. */
export function wantsColor(): boolean {
  return Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
}

/**
 * `Plan: 3 to create, 1 to update, 0 to delete, 12 unchanged`.
 *
 * @example
 * ```ts
 * import { summaryLine } from "./format.ts";
 * summaryLine({ create: 1, update: 0, delete: 0, noop: 2, read_error: 0 });
 * ```
 */
export function summaryLine(summary: Summary): string {
  const errors = summary.read_error ? `, ${summary.read_error} unreadable` : "";
  return `Plan: ${summary.create} to create, ${summary.update} to update, ` +
    `${summary.delete} to delete, ${summary.noop} unchanged${errors}`;
}

function paint(text: string, code: string | undefined, color: boolean): string {
  return color && code ? `${code}${text}\x1b[0m` : text;
}

function formatDiff(diff: string, color: boolean): string[] {
  return diff.trimEnd().split("\n").map((line) => {
    const code = line.startsWith("+") && !line.startsWith("+++")
      ? COLORS["+"]
      : line.startsWith("-") && !line.startsWith("---")
      ? COLORS["-"]
      : line.startsWith("@@")
      ? "\x1b[36m"
      : undefined;
    return `    ${paint(visible(line), code, color)}`;
  });
}

function formatHost(
  host: HostPlan,
  options: Required<FormatOptions>,
  rollbackS: number | undefined,
): string[] {
  const target = host.target;
  const where = target.kind === "ssh"
    ? `${visible(`${target.user}@${target.host}`)}:${target.port}${target.sudo ? " (sudo)" : ""}`
    : target.kind;
  const about = visible([host.os, host.packageManager].filter(Boolean).join(", "));
  const lines = [`Host ${visible(target.name)} (${where}${about ? `; ${about}` : ""})`];
  if (host.error) {
    return [...lines, `  ${paint(`error: ${visible(host.error)}`, COLORS["!"], options.color)}`];
  }
  if (target.kind === "offline") {
    lines.push("  (offline: no host was read, so every resource is shown as a create)");
  }
  lines.push(`  ${summaryLine(host.summary)}`);
  if (rollbackS !== undefined) {
    const gaps = host.rollbackGaps ?? [];
    lines.push(
      `  automatic rollback: armed for ${rollbackS} s after the apply; ${
        gaps.length ? "it would NOT undo:" : "it undoes every change"
      }`,
    );
    for (const gap of gaps) {
      lines.push(
        `  ${paint(`! ${visible(gap.id)}`, COLORS["!"], options.color)} (${visible(gap.reason)})`,
      );
    }
  }
  for (const id of host.orphans ?? []) {
    lines.push(
      `  ${paint(`! ${id}`, COLORS["!"], options.color)} was created by hostkit and is no ` +
        "longer declared (renamed?): it is still on the host",
    );
  }
  for (const trigger of host.triggers ?? []) {
    lines.push(
      `  ${paint(`~ pending ${trigger.action} ${trigger.unit}`, COLORS["~"], options.color)}` +
        " (an earlier apply changed what it watches and stopped before running it)",
    );
  }
  for (const change of host.changes) {
    if (change.action === "noop" && !options.verbose) continue;
    const mark = MARKS[change.action];
    lines.push(
      `  ${paint(`${mark} ${visible(change.id)}`, COLORS[mark], options.color)} (${
        visible(change.reason)
      })`,
    );
    const provider = change.resource.provider;
    if (provider) {
      lines.push(`      from provider ${visible(provider.name)} ${visible(provider.version)}`);
    }
    for (const line of handlerOf(change.resource).explain(change)) {
      lines.push(`      ${visible(line)}`);
    }
    if (change.after?.restart) lines.push("      then restart");
    if (change.diff) {
      for (const line of formatDiff(change.diff, options.color)) lines.push(line);
    }
  }
  return lines;
}

/**
 * The whole plan as text.
 *
 * @example
 * ```ts
 * import { formatPlan } from "./format.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "./mod.ts";
 *
 * const reviewed = await plan(project("demo", (p) => p.directory("/srv/app")));
 * console.log(formatPlan(reviewed, { color: false }));
 * ```
 */
export function formatPlan(plan: Plan, options: FormatOptions = {}): string {
  const resolved = { color: options.color ?? wantsColor(), verbose: options.verbose ?? false };
  const lines: string[] = [];
  if (plan.direction === "down") lines.push(`Down plan for project ${visible(plan.project)}`);
  if (plan.hosts.length > 1) lines.push(summaryLine(plan.summary), "");
  for (const host of plan.hosts) {
    // Not push(...lines): a host of 50,000 changes has more lines than a call has arguments.
    for (const line of formatHost(host, resolved, plan.autoRollbackS)) lines.push(line);
    lines.push("");
  }
  for (const note of plan.diagnostics) lines.push(`note: ${visible(note)}`);
  return lines.join("\n").trimEnd() + "\n";
}
