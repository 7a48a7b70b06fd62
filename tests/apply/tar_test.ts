/** The tar stream apply sends, unpacked by the real `tar -x`. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileProgram } from "../../src/apply/program.ts";
import { type TarEntry, tarStream } from "../../src/transport/tar.ts";
import { tempDir } from "../helpers.ts";
import { change, hostPlan, MISSING, textAfter } from "./fixtures.ts";

async function untar(stream: ReadableStream<Uint8Array>, dir: string) {
  const child = new Deno.Command("tar", {
    args: ["-x", "-C", dir],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await stream.pipeTo(child.stdin);
  const { code, stderr } = await child.output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

Deno.test("tar -x unpacks the stream with the right names, bytes and modes", async () => {
  await using dir = await tempDir();
  const big = new Uint8Array(300_000);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  const entries: TarEntry[] = [
    { name: "run.sh", data: new TextEncoder().encode("echo hi\n"), mode: 0o700 },
    { name: "f/0", data: new Uint8Array([0, 1, 2, 255, 10, 13]) },
    { name: "f/1", data: big },
    { name: "empty", data: new Uint8Array() },
    { name: "f/nested/name with spaces and ünïcode", data: new TextEncoder().encode("x") },
  ];
  const { code, stderr } = await untar(tarStream(entries), dir.path);
  assert.equal(code, 0, stderr);
  for (const entry of entries) {
    const path = join(dir.path, entry.name);
    assert.deepEqual(await Deno.readFile(path), entry.data, entry.name);
    assert.equal((await Deno.stat(path)).mode! & 0o777, entry.mode ?? 0o600, entry.name);
  }
});

Deno.test("a compiled program unpacks into the files the launcher expects", async () => {
  await using dir = await tempDir();
  const program = compileProgram(
    hostPlan([
      change({ kind: "file", path: "/srv/a", content: { text: "hello\n" } }, "create", "missing", {
        before: MISSING,
        after: textAfter("hello\n"),
      }),
    ]),
    {
      runId: "20260614-101148-demo-up-ab12",
      runsRoot: "/var/lib/hostkit",
      secrets: () => undefined,
    },
  );
  const { code, stderr } = await untar(tarStream(program.entries), dir.path);
  assert.equal(code, 0, stderr);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir.path)) names.push(e.name);
  assert.deepEqual(names.sort(), ["apply.sh", "expected", "f", "lib.sh", "probe.sh", "run.sh"]);
  assert.equal(await Deno.readTextFile(join(dir.path, "f/0")), "hello\n");
  assert.match(await Deno.readTextFile(join(dir.path, "apply.sh")), /^hk_step 0 /m);
});

Deno.test("an entry escaping the archive fails the stream", async () => {
  for (const name of ["/etc/passwd", "../up", "f/../../up"]) {
    const stream = tarStream([
      { name: "ok", data: new Uint8Array([1]) },
      { name, data: new Uint8Array([1]) },
    ]);
    await assert.rejects(new Response(stream).bytes(), /escapes the archive/, name);
  }
});
