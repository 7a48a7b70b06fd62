/**
 * A managed line applied for real on this machine: appended once to a file
 * hostkit does not otherwise own (the rest kept byte for byte, a missing final
 * newline respected), in sync on the next plan, removed by its down.
 */
import assert from "node:assert/strict";
import { down } from "../../src/down/mod.ts";
import { projectOf, tempDir } from "../helpers.ts";
import { applyHere, leftovers, modeOf, planLocal } from "../apply/local_project.ts";

Deno.test("a managed line is added once, kept in sync, and removed by its down", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const main = `${dir}/Caddyfile`;
  await Deno.writeTextFile(main, "{\n  admin off\n}\n# no newline at the end");
  await Deno.chmod(main, 0o640);
  const spec = projectOf([
    { kind: "managed_line", path: main, line: `import ${dir}/sites/*.caddy` },
  ], { runsRoot: `${dir}/runs` });

  const up = await planLocal(spec);
  assert.equal(up.hosts[0].changes[0].action, "create");
  const [applied] = await applyHere(up, { confirm: true });
  assert.equal(applied.status, "applied", JSON.stringify(applied));
  const expected = `{\n  admin off\n}\n# no newline at the end\nimport ${dir}/sites/*.caddy\n`;
  assert.equal(await Deno.readTextFile(main), expected);
  assert.equal(await modeOf(main), 0o640, "the file keeps its mode");

  const again = await planLocal(spec);
  assert.equal(again.hosts[0].changes[0].action, "noop");

  const [undone] = await applyHere(down(up).plan, { confirm: true });
  assert.equal(undone.status, "applied", JSON.stringify(undone));
  assert.equal(
    await Deno.readTextFile(main),
    "{\n  admin off\n}\n# no newline at the end\n",
    "only the line goes",
  );
  assert.deepEqual(await leftovers(dir), []);
});

Deno.test("a managed line in a file that does not exist yet creates it", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  const spec = projectOf([
    { kind: "managed_line", path: `${dir}/conf/main.conf`, line: "include extra.conf" },
  ], { runsRoot: `${dir}/runs` });
  const [applied] = await applyHere(await planLocal(spec), { confirm: true });
  assert.equal(applied.status, "applied", JSON.stringify(applied));
  assert.equal(await Deno.readTextFile(`${dir}/conf/main.conf`), "include extra.conf\n");
});
