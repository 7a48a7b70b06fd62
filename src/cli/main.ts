/**
 * The CLI: dispatches a subcommand, turns errors into messages and exit codes.
 * Only the module of the command that runs is loaded, so heavy modules stay off
 * the paths that don't need them (`hostkit --help` loads none of them).
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { visible } from "../text/visible.ts";
import { type CommandSpec, type Flags, helpText, parseCommand } from "./args.ts";
import { COMMANDS } from "./commands.ts";
import { closeEarlyTargets } from "./early_targets.ts";

/** A subcommand module: its spec and its runner. */
interface CommandModule {
  spec: CommandSpec;
  run(flags: Flags, positionals: string[]): Promise<number>;
}

function loadCommand(name: string): Promise<CommandModule> {
  // By URL, not by a literal: Deno reads every module a literal `import("…")` names before
  // the first line runs, which for hostkit is the whole graph.
  return import(new URL(COMMANDS[name].module, import.meta.url).href);
}

/** Commands that load a config (the sandbox starts before the command does). */
const LOADS_CONFIG = new Set(["plan", "apply", "dump", "render", "demo"]);

/** The hostkit version, also written into plan artifacts. */
import { HOSTKIT_VERSION } from "../version.ts";

function overview(): string {
  return [
    "hostkit: an agentless push engine for Linux hosts.",
    "Declare hosts and services in TypeScript; plan reads each host in one round trip;",
    "apply makes it match the reviewed plan in one round trip.",
    "",
    "Usage: hostkit COMMAND [FLAGS] (hostkit COMMAND --help for its flags)",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    "",
    "Exit codes: 0 ok, 1 internal error, 2 config error (or changes with --detailed-exitcode),",
    "3 apply step (or monitor check, or readiness) failed, 4 stale plan, 5 host locked,",
    "6 not confirmed over a new connection: the host rolled itself back, 7 firewall lock-out,",
    "64 usage, 65 bad data file, 69 host unreachable, 76 host key, 77 authentication,",
    "78 missing input (secret).",
    "",
    "Environment: HOSTKIT_CACHE_DIR (transpiled config modules, the answers of unchanged",
    "configs and the hosts each config last reached, connected early on its next run; default",
    "$XDG_CACHE_HOME/hostkit or ~/.cache/hostkit), HOSTKIT_RUN_GUARDS=1 (as --run-guards).",
  ].join("\n");
}

/**
 * Runs the CLI with `argv` and returns the exit code. Output goes to stdout/stderr.
 *
 * @example
 * ```ts
 * import { main } from "./main.ts";
 * Deno.exit(await main(["dump", "examples/toys.ts", "--format", "text"]));
 * ```
 */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  let sandbox: typeof import("../config/load.ts") | undefined;
  if (LOADS_CONFIG.has(name) && !rest.includes("--help") && !rest.includes("-h")) {
    // The sandbox's runtime boots while this process loads the command (not on the config's time).
    const memory = rest[rest.indexOf("--memory-limit") + 1];
    sandbox = await import("../config/load.ts");
    // The config is most likely the first argument that names a module (flags come later).
    const config = rest.find((arg) => !arg.startsWith("-") && /\.[cm]?[jt]s$/.test(arg));
    sandbox.prestartSandbox(rest.includes("--memory-limit") ? Number(memory) : undefined, config);
  }
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      console.log(overview());
      return name === undefined ? 64 : 0;
    }
    if (name === "--version" || name === "version") {
      console.log(`hostkit ${HOSTKIT_VERSION}`);
      return 0;
    }
    if (!Object.hasOwn(COMMANDS, name)) {
      throw new HostkitError(
        "usage",
        `unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(", ")})`,
      );
    }
    const command = await loadCommand(name);
    const { flags, positionals } = parseCommand(command.spec, rest);
    if (flags.help) {
      console.log(helpText(command.spec));
      return 0;
    }
    return await command.run(flags, positionals);
  } catch (error) {
    return report(error);
  } finally {
    sandbox?.disposePrestarted();
    void closeEarlyTargets(); // not awaited: a connection still trying would hold the exit
  }
}

/**
 * Prints an error for people. Messages carry names and paths a config chose, so
 * control characters are made visible, and every line after the first is
 * indented: no part of a message can pose as a line of hostkit's own.
 */
function report(error: unknown): number {
  const print = (first: string, text: string, rest: string[] = []) => {
    const [head, ...tail] = text.split("\n");
    console.error(`${first}${visible(head)}`);
    for (const line of [...tail, ...rest]) console.error(`  ${visible(line)}`);
  };
  if (error instanceof HostkitError) {
    print("error: ", error.message, error.details);
    return error.exitCode;
  }
  print("internal error: ", error instanceof Error ? error.stack ?? String(error) : String(error));
  return 1;
}
