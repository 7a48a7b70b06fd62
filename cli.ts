/**
 * The hostkit binary's entry point.
 *
 * @module
 */
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  // Deno.exit also stops a config worker stuck in an endless loop, which terminate() cannot.
  Deno.exit(await main(Deno.args));
}
