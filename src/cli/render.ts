/**
 * `hostkit render CONFIG KIND NAME`: one resource's rendered file.
 *
 * @module
 */
import { type CommandSpec, expectPositionals, type Flags } from "./args.ts";
import { CONFIG_FLAGS, loadFromFlags } from "./common.ts";
import { COMMANDS } from "./commands.ts";

export const spec: CommandSpec = {
  name: "render",
  summary: COMMANDS.render.summary,
  usage: "hostkit render CONFIG KIND NAME [--require FILE]",
  flags: { ...CONFIG_FLAGS },
  notes: [
    "Example: hostkit render infra/config.ts systemd_service toys-exograph.service",
    "Env files with secrets render only when every secret's variable is set in the environment.",
  ],
};

/** Runs the command; returns the exit code. */
export async function run(flags: Flags, positionals: string[]): Promise<number> {
  const [config, kind, name] = expectPositionals(spec, positionals, ["CONFIG", "KIND", "NAME"]);
  const project = await loadFromFlags(config, flags);
  const { render } = await import("../render/mod.ts");
  const { sourceReader } = await import("../config/source_reader.ts");
  const text = render(project, kind, name, {
    secrets: (variable) => Deno.env.get(variable),
    readSource: sourceReader(project),
  });
  await Deno.stdout.write(new TextEncoder().encode(text));
  return 0;
}
