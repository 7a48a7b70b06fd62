/**
 * `hostkit dump CONFIG`: the ProjectSpec as JSON, or a resource list as text.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { resourceId } from "../model/resource.ts";
import { type CommandSpec, expectPositionals, type Flags, stringFlag } from "./args.ts";
import { CONFIG_FLAGS, loadFromFlags } from "./common.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "dump",
  summary: COMMANDS.dump.summary,
  usage: "hostkit dump CONFIG [--require FILE] [--format json|text]",
  flags: {
    ...CONFIG_FLAGS,
    format: { type: "string", value: "FORMAT", description: "json (default) or text" },
  },
};

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  const [config] = expectPositionals(spec, positionals, ["CONFIG"]);
  const format = stringFlag(flags, "format") ?? "json";
  if (format !== "json" && format !== "text") {
    throw new HostkitError("usage", `--format must be json or text, got ${JSON.stringify(format)}`);
  }
  const project = await loadFromFlags(config, flags);
  if (format === "json") {
    console.log(JSON.stringify(project, null, 2));
    return 0;
  }
  console.log(
    `project ${project.name}: ${project.resources.length} resources, ${project.hosts.length} hosts`,
  );
  for (const host of project.hosts) {
    console.log(
      `  host ${host.name} → ${host.user ? `${host.user}@` : ""}${host.hostname}${
        host.sudo ? " (sudo)" : ""
      }`,
    );
  }
  for (const resource of project.resources) {
    const where = resource.origin ? `  (${resource.origin})` : "";
    console.log(
      `  ${resourceId(resource)}${resource.service ? ` [${resource.service}]` : ""}${where}`,
    );
  }
  return 0;
}
