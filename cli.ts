/**
 * The hostkit binary's entry point.
 *
 * @module
 */
import { main } from "./src/cli/main.ts";

if (import.meta.main) {
  if (Deno.build.standalone && Deno.args[0] === "__hostkit-config-child") {
    // A compiled hostkit is also the config sandbox's child process (see src/config/child.ts).
    const { serveChild } = await import(new URL("./src/config/child.ts", import.meta.url).href);
    await serveChild();
  } else {
    Deno.exit(await main(Deno.args));
  }
}
