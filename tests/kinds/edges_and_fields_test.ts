/**
 * Kind fields and ordering edges: a unit waits for the program, config and
 * paths it names; a symlink for what it points at; a symlink's own owner; a
 * command's environment; and the inventory of what hostkit created, so a plan
 * warns about a unit or account no resource declares any more.
 */
import assert from "node:assert/strict";
import { project } from "../../src/dsl/mod.ts";
import { dependencies } from "../../src/plan/graph.ts";
import { formatPlan } from "../../src/plan/format.ts";
import { compileProgram } from "../../src/apply/program.ts";
import { resource, tempDir } from "../helpers.ts";
import { applyHere, planLocal } from "../apply/local_project.ts";
import { change, hostPlan, MISSING, textAfter } from "../apply/fixtures.ts";

Deno.test("a unit comes after the program, config and paths it names; a symlink after its target", () => {
  const resources = [
    resource({
      kind: "systemd_service",
      name: "app.service",
      sections: [["Service", [
        ["ExecStartPre", "-/opt/app/bin/migrate"],
        ["ExecStart", "/opt/app/bin/app --port 4000"],
        ["Environment", '"CONFIG=/etc/app/config.toml" MODE=prod'],
      ]]],
    }),
    resource({ kind: "file", path: "/opt/app/bin/app", content: { text: "#!/bin/sh\n" } }),
    resource({ kind: "file", path: "/opt/app/bin/migrate", content: { text: "#!/bin/sh\n" } }),
    resource({ kind: "file", path: "/etc/app/config.toml", content: { text: "" } }),
    resource({ kind: "directory", path: "/srv/releases/v2" }),
    resource({ kind: "symlink", path: "/srv/current", target: "/srv/releases/v2/bin" }),
  ];
  const deps = dependencies(resources);
  assert.deepEqual(
    new Set(deps.get("systemd_service:app.service")),
    new Set([
      "file:/opt/app/bin/migrate",
      "file:/opt/app/bin/app",
      "file:/etc/app/config.toml",
    ]),
  );
  assert.deepEqual(deps.get("symlink:/srv/current"), ["directory:/srv/releases/v2"]);
});

Deno.test("a symlink's own owner is set; a command runs with its env", async () => {
  if (Deno.uid() !== 0) return; // chown to another user needs root
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = project("f", (p) => {
    p.runsRoot(`${dir}/runs`);
    p.file(`${dir}/target`, { content: "t\n" });
    p.command("report", {
      exec: ["/bin/sh", "-c", `printf '%s' "$GREETING" > ${dir}/greeting`],
      env: { GREETING: "hello there" },
    });
    p.symlink(`${dir}/link`, `${dir}/target`, { owner: "nobody" });
  });
  const [result] = await applyHere(await planLocal(spec), { confirm: true });
  assert.equal(result.status, "applied", JSON.stringify(result));
  const nobody = new TextDecoder().decode(
    new Deno.Command("id", { args: ["-u", "nobody"] }).outputSync().stdout,
  ).trim();
  assert.equal(String((await Deno.lstat(`${dir}/link`)).uid), nobody);
  assert.equal(await Deno.readTextFile(`${dir}/greeting`), "hello there");
  const again = await planLocal(spec);
  assert.equal(
    again.hosts[0].changes.find((c) => c.id === `symlink:${dir}/link`)?.action,
    "noop",
    "the link's owner reads back in sync",
  );
});

Deno.test("created units are recorded on the host; a plan warns about one no longer declared", async () => {
  const program = await compileProgram(
    hostPlan([
      change(
        { kind: "systemd_service", name: "toys-hex_mirror.service", sections: [] },
        "create",
        "missing",
        { before: MISSING, after: textAfter("[Service]\n") },
      ),
    ]),
    {
      runId: "20260614-101148-demo-up-ab12",
      runsRoot: "/var/lib/hostkit",
      secrets: () => undefined,
    },
  );
  assert.match(
    program.steps.map((s) => s.command).join("\n"),
    /hk_created systemd_service:toys-hex_mirror\.service/,
  );

  await using tmp = await tempDir();
  await Deno.mkdir(`${tmp.path}/runs`);
  await Deno.writeTextFile(
    `${tmp.path}/runs/created`,
    "systemd_service:toys-hex_mirror.service\naccount:toys-hex_mirror\n",
  );
  const renamed = await planLocal(project("f", (p) => {
    p.runsRoot(`${tmp.path}/runs`);
    p.directory(`${tmp.path}/srv`);
  }));
  assert.deepEqual(renamed.hosts[0].orphans, [
    "systemd_service:toys-hex_mirror.service",
    "account:toys-hex_mirror",
  ]);
  assert.match(
    formatPlan(renamed, { color: false }),
    /! systemd_service:toys-hex_mirror\.service was created by hostkit and is no longer declared/,
  );
});
