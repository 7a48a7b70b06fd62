/**
 * Loads one config in its own process and prints the outcome as JSON, then
 * exits: tests of timeouts and exits run the loader the way a program using
 * `load()` does, outside the test process.
 *
 * Usage: deno run -A load_runner.ts CONFIG TIMEOUT_MS
 */
import { load } from "../../src/config/load.ts";
import { HostkitError } from "../../src/errors.ts";

const [config, timeout] = Deno.args;
const started = performance.now();
try {
  const spec = await load(config, { timeoutMs: Number(timeout) });
  console.log(JSON.stringify({ ok: true, name: spec.name }));
} catch (error) {
  const e = error as Error;
  console.log(JSON.stringify({
    ok: false,
    name: e.name,
    kind: error instanceof HostkitError ? error.kind : undefined,
    exitCode: error instanceof HostkitError ? error.exitCode : undefined,
    message: e.message,
    elapsedMs: Math.round(performance.now() - started),
  }));
}
Deno.exit(0);
