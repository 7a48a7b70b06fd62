/** A saved plan names the providers it needs; apply --plan refuses one it does not know. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { load } from "../../src/config/load.ts";
import { plan } from "../../src/plan/mod.ts";
import { checkPlanProviders } from "../../src/providers/mod.ts";
import { HostkitError } from "../../src/errors.ts";
import { EXAMPLES } from "../helpers.ts";
import type { Plan } from "../../src/plan/types.ts";

function withProvider(p: Plan, name: string, version: string): Plan {
  const copy = structuredClone(p);
  for (const c of copy.hosts[0].changes) {
    if (c.resource.provider) c.resource.provider = { name, version };
  }
  return copy;
}

const refused = (pattern: RegExp) => (e: unknown) =>
  e instanceof HostkitError && e.exitCode === 65 && pattern.test(e.message);

Deno.test("a plan of the built-in caddy provider applies without its config", async () => {
  const caddyPlan = await plan(await load(join(EXAMPLES, "caddy.ts")));
  checkPlanProviders(caddyPlan, undefined);
  assert.throws(
    () => checkPlanProviders(withProvider(caddyPlan, "caddy", "0.9.0"), undefined),
    refused(/made with provider caddy 0\.9\.0, but this hostkit has caddy 1\.0\.0: re-plan/),
  );
});

Deno.test("a user's provider needs the config that enables it", async () => {
  const project = await load(join(EXAMPLES, "nginx.ts"));
  const nginxPlan = await plan(project);
  assert.throws(
    () => checkPlanProviders(nginxPlan, undefined),
    refused(/needs provider nginx_site 1\.0\.0, which this hostkit does not know/),
  );
  checkPlanProviders(nginxPlan, project);
  const other = await load(join(EXAMPLES, "caddy.ts"));
  assert.throws(
    () => checkPlanProviders(nginxPlan, { ...other, name: project.name }),
    refused(/nginx_site/),
  );
});
