/** `hostkit plan --service NAME` plans one service's resources and what they depend on. */
import assert from "node:assert/strict";
import { lines, runCli, tempDir, writeFiles } from "../helpers.ts";

async function config(dir: string): Promise<string> {
  return await writeFiles(dir, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("cli", (p) => {',
      `  p.directory(${JSON.stringify(`${dir}/shared`)});`,
      `  p.directory(${JSON.stringify(`${dir}/unrelated`)});`,
      '  p.service("web", (s) => {',
      `    s.file(${JSON.stringify(`${dir}/shared/web`)}, { content: "w", dependsOn: [${
        JSON.stringify(`directory:${dir}/shared`)
      }] });`,
      "  });",
      '  p.service("worker", (s) => {',
      `    s.file(${JSON.stringify(`${dir}/worker`)}, { content: "k" });`,
      "  });",
      "});",
    ),
  });
}

Deno.test("plan --service keeps the service's resources and their dependencies", async () => {
  await using tmp = await tempDir();
  const file = await config(tmp.path);
  const result = await runCli(["plan", file, "--service", "web", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  const plan = JSON.parse(result.stdout);
  const ids = plan.hosts.flatMap((h: { changes: { id: string }[] }) => h.changes.map((c) => c.id));
  assert.deepEqual(ids.sort(), [`directory:${tmp.path}/shared`, `file:${tmp.path}/shared/web`]);
});

Deno.test("plan --service with an unknown service is an input error naming it", async () => {
  await using tmp = await tempDir();
  const file = await config(tmp.path);
  const result = await runCli(["plan", file, "--service", "wbe"]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /--service wbe: no such service \(declared: web, worker\)/);
});
