/**
 * The probe's cost does not grow with the resources: it runs the same commands for one
 * account, file and env line as for fifty of each (counted with a PATH of logging shims,
 * the probe run for real on this machine).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseProbe } from "../../src/facts/parse.ts";
import { probeScript } from "../../src/facts/probe.ts";
import type { Resource } from "../../src/model/resource.ts";
import { resourceId } from "../../src/model/resource.ts";
import { resource, tempDir } from "../helpers.ts";

/** Every external command the probe may start; each shim logs its name, then runs the tool. */
const TOOLS = [
  "awk",
  "cat",
  "cut",
  "getent",
  "id",
  "mktemp",
  "od",
  "paste",
  "readlink",
  "rm",
  "sha256sum",
  "stat",
  "systemctl",
  "tr",
  "wc",
  "xargs",
  "dpkg-query",
];

async function shims(dir: string): Promise<string> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin);
  for (const tool of TOOLS) {
    const real = new TextDecoder().decode(
      (await new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).output()).stdout,
    ).trim();
    if (!real) continue;
    await Deno.writeTextFile(
      join(bin, tool),
      `#!/bin/sh\necho ${tool} >> "${dir}/calls"\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
  }
  return bin;
}

async function calls(
  dir: string,
  resources: Resource[],
): Promise<{ calls: string[]; envKeys: Record<string, string> }> {
  await Deno.writeTextFile(join(dir, "calls"), "");
  const out = await new Deno.Command("sh", {
    args: ["-s"],
    env: { PATH: `${join(dir, "bin")}:/usr/sbin:/usr/bin:/sbin:/bin` },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(probeScript(resources)));
  await writer.close();
  const { code, stdout } = await out.output();
  assert.equal(code, 0);
  // The probe read what it was asked: every resource has its facts.
  const facts = parseProbe(new TextDecoder().decode(stdout), resources);
  assert.equal(Object.keys(facts.states).length, resources.length);
  return {
    calls: (await Deno.readTextFile(join(dir, "calls"))).split("\n").filter(Boolean).sort(),
    envKeys: (() => {
      const path = facts.states[resourceId(resources[0])].path;
      return path?.exists ? path.envKeys ?? {} : {};
    })(),
  };
}

async function resources(dir: string, n: number): Promise<Resource[]> {
  const env = Array.from({ length: n }, (_, i) => `KEY_${i}=value-${i}`).join("\n") + "\n";
  await Deno.writeTextFile(join(dir, `app-${n}.env`), env);
  const entries = Array.from({ length: n }, (_, i) => ({ key: `KEY_${i}`, value: `value-${i}` }));
  const list: Resource[] = [
    resource({ kind: "env_file", path: join(dir, `app-${n}.env`), entries }),
  ];
  const accounts = ["root", "daemon", "nobody", "no-such-account-hk"];
  for (let i = 0; i < n; i++) {
    await Deno.writeTextFile(join(dir, `f-${n}-${i}`), `file ${i}\n`);
    list.push(
      resource({ kind: "file", path: join(dir, `f-${n}-${i}`), content: { text: `file ${i}\n` } }),
    );
    list.push(resource({ kind: "directory", path: join(dir, `d-${n}-${i}`) }));
    list.push(resource({ kind: "account", name: i < accounts.length ? accounts[i] : `hk-${i}` }));
  }
  return list;
}

Deno.test("the probe starts the same commands for 1 or 50 accounts, files and env lines", async () => {
  await using temp = await tempDir();
  const dir = temp.path;
  await shims(dir);
  const one = await calls(dir, await resources(dir, 1));
  const fifty = await calls(dir, await resources(dir, 50));
  assert.ok(one.calls.includes("sha256sum") && one.calls.includes("getent"), one.calls.join(" "));
  assert.deepEqual(fifty.calls, one.calls);
  // The env lines were still compared one by one, on the host.
  assert.equal(Object.keys(fifty.envKeys).length, 50);
  assert.ok(Object.values(fifty.envKeys).every((v) => v === "same"), JSON.stringify(fifty.envKeys));
});
