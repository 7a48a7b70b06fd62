import assert from "node:assert/strict";
import { HostkitError } from "../../src/errors.ts";
import { render, renderContent } from "../../src/render/mod.ts";
import { projectOf, resource } from "../helpers.ts";

const project = projectOf([
  { kind: "account", name: "app" },
  { kind: "file", path: "/etc/motd", content: { text: "hello\n" } },
  { kind: "file", path: "/etc/blob", content: { base64: btoa("\x00\x01\xff") } },
  { kind: "file", path: "/etc/copied", content: { source: "/opt/src/copied" } },
  {
    kind: "systemd_service",
    name: "app.service",
    sections: [["Service", [["ExecStart", "/bin/true"]]]],
  },
  {
    kind: "env_file",
    path: "/etc/app.env",
    entries: [{ key: "A", value: "1" }, { key: "S", secret: { $secret: { env: "S" } } }],
  },
]);

Deno.test("render finds a resource by kind and name", () => {
  assert.equal(render(project, "file", "/etc/motd"), "hello\n");
  assert.match(
    render(project, "systemd_service", "app.service"),
    /\[Service\]\nExecStart=\/bin\/true\n/,
  );
  assert.match(
    render(project, "env_file", "/etc/app.env", { secrets: () => "v" }),
    /A=1\nS=v\n$/,
  );
});

Deno.test("kinds that are not files render as their data", () => {
  const text = render(project, "account", "app");
  assert.deepEqual(JSON.parse(text), project.resources[0]);
});

Deno.test("an unknown resource is a usage error listing that kind's resources", () => {
  assert.throws(
    () => render(project, "systemd_service", "nope.service"),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "usage" &&
      e.message ===
        "no systemd_service:nope.service in project test (systemd_service resources: systemd_service:app.service)",
  );
  assert.throws(() => render(project, "package", "x"), /: no package:x in project test$/);
});

Deno.test("file content: text, base64 bytes, or a controller-side source", () => {
  const bytes = renderContent(project.resources[2])!;
  assert.deepEqual([...bytes], [0, 1, 255]);
  const source = project.resources[3];
  assert.throws(
    () => renderContent(source),
    (e: unknown) =>
      e instanceof HostkitError && e.kind === "input" &&
      e.message === "file:/etc/copied: its source /opt/src/copied was not read",
  );
  assert.deepEqual(
    renderContent(source, { readSource: (path) => new TextEncoder().encode(path) }),
    new TextEncoder().encode("/opt/src/copied"),
  );
  assert.equal(renderContent(resource({ kind: "package", name: "caddy" })), undefined);
});
