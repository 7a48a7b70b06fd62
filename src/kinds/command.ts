/**
 * `command`: a program run on the host (argv, no shell), by phase around its
 * service's units, guarded by `creates`/`unless`, with a declared `down`.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { type Command, CommandSchema } from "../model/resource.ts";
import { tagValue } from "../facts/parse.ts";
import { quote } from "../transport/shell.ts";
import type { KindHandler } from "./types.ts";
import { downBase, NOT_A_PATH } from "./paths.ts";
import { SYSTEMD_ACTIVATION } from "./systemd.ts";
import { miseExecArgv, miseToolKey } from "../packages/mise.ts";

/** What the probe says of an `unless` guard it was not allowed to run. */
export const GUARD_NOT_EVALUATED = "not-evaluated";

/** Why a command with a guard that planning did not run may still run. */
export const MAY_RUN = "may run (guard not evaluated; --run-guards runs it while planning)";

/** `runtime: "mise"`: the argv inside `mise exec tool@version… --`. */
function runtimeArgv(runtime: NonNullable<Command["runtime"]>, argv: string[]): string[] {
  return miseExecArgv(
    { binary: runtime.miseBinary, systemDataDir: runtime.systemDataDir },
    runtime.tools,
    argv,
  );
}

/** The `command` kind. */
export const command: KindHandler<Command> = {
  kind: "command",
  schema: CommandSchema,
  name: (r) => r.name,
  ...NOT_A_PATH,
  probe: (r, index, probe) => {
    if (r.creates) {
      probe.shell(
        `if [ -e ${quote(r.creates)} ]; then printf '%s\\tguard\\tcreates\\n' ${index}; fi`,
      );
    }
    if (r.unless && probe.runGuards) {
      probe.shell(
        `if ( sh -c ${quote(r.unless)} ) >/dev/null 2>&1 </dev/null; then ` +
          `printf '%s\\tguard\\tunless\\n' ${index}; fi`,
      );
    } else if (r.unless) {
      probe.shell(`printf '%s\\tunless\\t${GUARD_NOT_EVALUATED}\\n' ${index}`);
    }
  },
  parse: (_r, tags) => {
    const guard = tagValue(tags, "guard");
    if (guard) return { satisfied: guard };
    return tagValue(tags, "unless") === GUARD_NOT_EVALUATED ? { unevaluated: true } : {};
  },
  diff: (_r, _desired, state) =>
    state.satisfied
      ? { action: "noop", reason: `guard:${state.satisfied}`, drift: [] }
      : { action: "update", reason: state.unevaluated ? MAY_RUN : "run", drift: [] },
  // Without a guard a command runs when anything else of its service changes (like an
  // Ansible handler), or every time with phase `always`.
  relate: (r, verdict, context) => {
    if (verdict.action !== "update") return verdict; // a guard holds
    if (r.phase === "always") return { ...verdict, reason: "always" };
    if (context.serviceChanges(r.service)) return { ...verdict, reason: "service_changed" };
    if (r.creates === undefined && r.unless === undefined) {
      return { action: "noop", reason: "in_sync", drift: [] };
    }
    return verdict;
  },
  edges: function* (r, graph) {
    const user = r.user ? graph.account(r.user) : undefined;
    if (user) yield user;
  },
  inventoried: false,
  role: "command",
  compile: (change, context) => {
    const r = change.resource;
    if (r.phase === "after_start") context.flush(SYSTEMD_ACTIVATION.key);
    if (change.action === "delete") {
      throw new HostkitError("data", `${change.id}: a command cannot be deleted`);
    }
    // Declared variables through env(1), so they reach the command under runuser/sudo too.
    const env = Object.entries(r.env).map(([k, v]) => `${k}=${v}`);
    const exec = r.runtime ? runtimeArgv(r.runtime, r.exec) : r.exec;
    const argv = env.length ? ["env", "--", ...env, ...exec] : exec;
    const run = `hk_as ${quote(r.user ?? "")} ${quote(r.cwd ?? "")} ${
      argv.map((a) => quote(a)).join(" ")
    }`;
    // The guard is evaluated where it matters, right before the command.
    context.step(
      [change.id],
      `run ${r.name}`,
      r.unless && change.intent !== "run_down" ? `hk_unless ${quote(r.unless)} ${run}` : run,
    );
  },
  invert: (change) => {
    const r = change.resource;
    if (r.down === "noop") return "down: noop";
    if (r.down === "irreversible") return "irreversible";
    return {
      ...downBase(change),
      action: "update",
      reason: "down",
      intent: "run_down",
      resource: { ...r, exec: r.down, down: "irreversible" },
      after: {},
    };
  },
  explain: (change) => {
    const r = change.resource;
    const where = [
      r.user && `as ${r.user}`,
      r.cwd && `in ${r.cwd}`,
      Object.keys(r.env).length && `with ${Object.keys(r.env).join(", ")}`,
      r.runtime &&
      `inside mise exec ${
        r.runtime.tools.map((t) => `${miseToolKey(t.name)}@${t.version}`).join(" ")
      } (${r.runtime.miseBinary})`,
    ].filter(Boolean).join(" ");
    return [
      `runs ${JSON.stringify(r.exec)}${where ? ` ${where}` : ""}`,
      ...(r.unless
        ? [
          `unless ${JSON.stringify(r.unless)} (a shell test on the host${
            change.before?.unevaluated ? "; not run while planning: the command may run" : ""
          })`,
        ]
        : []),
      ...(r.creates ? [`unless ${r.creates} exists`] : []),
    ];
  },
};
