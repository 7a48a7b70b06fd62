import assert from "node:assert/strict";
import { basename } from "node:path";
import { load } from "../../src/config/load.ts";
import { project } from "../../src/dsl/project.ts";
import type { SystemdService, SystemdTimer } from "../../src/model/resource.ts";
import { MANAGED_HEADER, renderUnit } from "../../src/render/unit.ts";
import { exampleConfigs } from "../helpers.ts";

Deno.test("every unit of every example renders as its snapshot", async (t) => {
  for (const config of await exampleConfigs()) {
    const spec = await load(config);
    for (const r of spec.resources) {
      if (r.kind !== "systemd_service" && r.kind !== "systemd_timer") continue;
      await t.step(`${basename(config)} ${r.name}`, async (t) => {
        await t.assertSnapshot(renderUnit(r));
      });
    }
  }
});

Deno.test("a unit starts with the managed header; sections are blank-line separated", () => {
  const spec = project("t", (p) =>
    p.daemon("a.service", (d) => {
      d.description("A");
      d.execStart(["/bin/true"]);
      d.wantedBy("multi_user");
    }));
  assert.equal(
    renderUnit(spec.resources[0] as SystemdService),
    [
      MANAGED_HEADER,
      "",
      "[Unit]",
      "Description=A",
      "",
      "[Service]",
      "ExecStart=/bin/true",
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n"),
  );
});

Deno.test("an empty [Unit] is left out; [Service] is always written", () => {
  const spec = project("t", (p) => p.daemon("a.service", () => {}));
  assert.equal(
    renderUnit(spec.resources[0] as SystemdService),
    `${MANAGED_HEADER}\n\n[Service]\n`,
  );
});

Deno.test("repeated keys stay in declaration order", () => {
  const spec = project("t", (p) =>
    p.daemon("a.service", (d) => {
      d.execStartPre(["/bin/true", "1"]);
      d.execStartPre(["/bin/true", "2"]);
      d.afterTarget("network", "network_online");
    }));
  const text = renderUnit(spec.resources[0] as SystemdService);
  assert.match(
    text,
    /After=network\.target\nAfter=network-online\.target\n[^]*ExecStartPre=\/bin\/true 1\nExecStartPre=\/bin\/true 2\n/,
  );
});

Deno.test("a value with a line break is refused, naming the unit and key", () => {
  for (const value of ["two\nlines", "carriage\rreturn"]) {
    const spec = project("t", (p) => p.daemon("a.service", (d) => d.description(value)));
    assert.throws(
      () => renderUnit(spec.resources[0] as SystemdService),
      /a\.service: Description= must not contain a line break/,
    );
  }
});

Deno.test("a timer renders its [Timer] with Unit= and the timers.target default", () => {
  const spec = project("t", (p) => p.systemdTimer("backup.timer", (t) => t.onCalendar("daily")));
  assert.equal(
    renderUnit(spec.resources[0] as SystemdTimer),
    [
      MANAGED_HEADER,
      "",
      "[Timer]",
      "OnCalendar=daily",
      "Unit=backup.service",
      "",
      "[Install]",
      "WantedBy=timers.target",
      "",
    ].join("\n"),
  );
});
