/**
 * `hostkit demo`: the 30-second tour on the bundled example, touching nothing.
 *
 * @module
 */
import type { CommandSpec, Flags } from "./args.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "demo",
  summary: COMMANDS.demo.summary,
  usage: "hostkit demo [--offline]",
  flags: {
    offline: { type: "boolean", description: "Plan without reading this machine" },
  },
};

/** Runs the command; returns the exit code. */
export async function run(flags: Flags): Promise<number> {
  const example = new URL("../../examples/toys.ts", import.meta.url);
  const { load } = await import("../config/load.ts");
  const { plan, formatPlan } = await import("../plan/mod.ts");
  const { render } = await import("../render/mod.ts");
  const { localTarget } = await import("../transport/local.ts");
  const path = decodeURIComponent(example.pathname);
  const project = await load(path);
  console.log(
    `# 1. Loaded ${path} in a sandbox: project ${project.name}, ${project.resources.length} resources\n`,
  );
  const offline = flags.offline === true;
  console.log(
    `# 2. Plan against ${offline ? "nothing (offline)" : "this machine, read-only (one probe)"}\n`,
  );
  const target = offline ? undefined : localTarget();
  const result = await plan(project, { targets: target ? [target] : [] });
  console.log(formatPlan(result));
  console.log(
    "# 3. The unit hostkit would write: hostkit render examples/toys.ts systemd_service toys-exograph.service\n",
  );
  console.log(render(project, "systemd_service", "toys-exograph.service"));
  console.log(
    "Next: hostkit plan examples/toys.ts --host elixir_toys --out up.plan.json (see README.md)",
  );
  return 0;
}
