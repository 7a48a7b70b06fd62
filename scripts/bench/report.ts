/**
 * The bench's one table: case, floor, hostkit, ratio, goal (and Ansible when measured), with
 * the machine's load average in the header: the machine is shared, and numbers taken under
 * load say so.
 *
 * @module
 */

/** One measured case. Times are seconds unless `unit` says otherwise. */
export interface Row {
  case: string;
  /** The physical floor (or the baseline the goal compares with). */
  floor?: number;
  hostkit?: number;
  /** hostkit / floor unless given. */
  ratio?: number;
  goal: string;
  /** Whether the goal is met; undefined when the row has no goal to check. */
  met?: boolean;
  ansible?: number;
  /** "s" (default), "ms", "MB", "s cpu". */
  unit?: string;
}

/** The 1-, 5- and 15-minute load averages. */
export async function loadAverage(): Promise<string> {
  const text = await Deno.readTextFile("/proc/loadavg").catch(() => "? ? ?");
  return text.split(" ").slice(0, 3).join(" ");
}

function cell(value: number | undefined, unit = "s"): string {
  if (value === undefined) return "";
  const digits = unit === "MB" ? 0 : value < 10 ? 2 : 1;
  return `${value.toFixed(digits)} ${unit}`;
}

/**
 * The table as Markdown.
 *
 * @example
 * ```ts
 * import { table } from "./report.ts";
 * console.log(table([{ case: "x", floor: 1, hostkit: 1.2, goal: "≤ 1.3x" }], "load 0.1", false));
 * ```
 */
export function table(rows: Row[], header: string, ansible: boolean): string {
  const head = ["case", "floor", "hostkit", "ratio", "goal", ...(ansible ? ["ansible"] : [])];
  const lines = rows.map((r) => {
    const ratio = r.ratio ??
      (r.floor && r.hostkit !== undefined ? r.hostkit / r.floor : undefined);
    const verdict = r.met === undefined ? "" : r.met ? " ✓" : " ✗";
    return [
      r.case,
      cell(r.floor, r.unit),
      cell(r.hostkit, r.unit),
      ratio === undefined ? "" : `${ratio.toFixed(2)}x`,
      `${r.goal}${verdict}`,
      ...(ansible ? [cell(r.ansible)] : []),
    ];
  });
  const md = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [
    header,
    "",
    md(head),
    md(head.map(() => "---")),
    ...lines.map(md),
  ].join("\n");
}
