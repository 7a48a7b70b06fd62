/** Service names: a template unit (`name@.service`) cannot be applied and is refused clearly; instances are fine. */
import assert from "node:assert/strict";
import { project } from "../../src/dsl/mod.ts";
import { resourceId, ResourceSchema } from "../../src/model/resource.ts";

const service = (name: string) => ({ kind: "systemd_service", name, sections: [] });
const TEMPLATE_MESSAGE =
  "must be a unit name ending in .service (an instance, not a template: name@instance.service)";

Deno.test("the schema refuses a template service and says to name an instance", () => {
  for (const name of ["web@.service", "@.service", "a@b@.service", "@x.service"]) {
    const parsed = ResourceSchema.safeParse(service(name));
    assert.equal(parsed.success, false, name);
    const messages = parsed.error!.issues.map((i) => i.message);
    assert.ok(messages.includes(TEMPLATE_MESSAGE), `${name}: ${messages.join("; ")}`);
  }
});

Deno.test("the schema accepts plain services and instances of templates", () => {
  for (const name of ["web.service", "web@blue.service", "getty@tty1.service", "a_b-c:d.service"]) {
    const parsed = ResourceSchema.safeParse(service(name));
    assert.ok(parsed.success, `${name}: ${JSON.stringify(parsed.error?.issues)}`);
    assert.equal(resourceId(parsed.data), `systemd_service:${name}`);
  }
});

Deno.test("declaring a template daemon is a config error naming the resource and the rule", () => {
  assert.throws(
    () =>
      project(
        "x",
        (p) => p.service("web", (s) => s.daemon("web@.service", (d) => d.execStart(["/bin/true"]))),
      ),
    (error: Error) => {
      assert.match(error.message, /systemd_service:web@\.service/);
      assert.ok(error.message.includes(TEMPLATE_MESSAGE), error.message);
      return true;
    },
  );
  const ok = project(
    "x",
    (p) => p.service("web", (s) => s.daemon("web@blue.service", (d) => d.execStart(["/bin/true"]))),
  );
  assert.deepEqual(ok.resources.map(resourceId), ["systemd_service:web@blue.service"]);
});
