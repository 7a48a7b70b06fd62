/**
 * The command line shared by the backend scripts (scripts/nspawn.ts, scripts/incus.ts):
 * `ensure [N]` prints the hosts as JSON, `ip [NAME]` prints an address, `reset NAME` prints
 * the fresh host as JSON, `destroy [--purge]`. Progress goes to stderr.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Backend } from "./test_host.ts";

/**
 * Runs one backend subcommand from `args` and returns the process exit code.
 *
 * @example
 * ```ts
 * if (import.meta.main) Deno.exit(await backendMain(nspawnBackend, Deno.args));
 * ```
 */
export async function backendMain(backend: Backend, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { purge: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
  });
  const [command, arg] = positionals;
  const usage = `usage: ${backend.name}.ts ensure [N] | ip [NAME] | reset NAME | destroy [--purge]`;
  try {
    switch (values.help ? "help" : command) {
      case "ensure": {
        const count = arg === undefined ? 2 : Number(arg);
        if (!Number.isInteger(count) || count < 1) throw new Error(`ensure: bad count ${arg}`);
        console.log(JSON.stringify(await backend.ensure(count), null, 2));
        return 0;
      }
      case "ip":
        console.log(await backend.ip(arg));
        return 0;
      case "reset":
        if (!arg) break;
        console.log(JSON.stringify(await backend.reset(arg), null, 2));
        return 0;
      case "destroy":
        await backend.destroy({ purge: values.purge });
        return 0;
      case "help":
        console.log(usage);
        return 0;
    }
    console.error(usage);
    return 64;
  } catch (error) {
    console.error(`${backend.name}: ${error instanceof Error ? error.message : error}`);
    return 1;
  }
}
