/** The tar stream apply sends, unpacked by the real `tar -x`. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileProgram } from "../../src/apply/program.ts";
import { tarBytes, type TarEntry, tarStream } from "../../src/transport/tar.ts";
import { tempDir } from "../helpers.ts";
import { change, hostPlan, MISSING, readTar, textAfter } from "./fixtures.ts";

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
  const program = await compileProgram(
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
  assert.deepEqual(names.sort(), ["apply.sh", "expected", "lib.sh", "probe.sh", "run.sh"]);
  // The batch is an archive of its own, sent after the program's and read by the program
  // after its checks: straight into the stage dirs (hk_receive), renamed at its step.
  const [batch] = program.batches;
  assert.equal(batch.name, "b/0.tar");
  const { members } = await readTar(batch.data);
  assert.deepEqual(members.map((m) => [m.name, m.text, m.mode]), [
    ["srv/.hostkit-stage.20260614-101148-demo-up-ab12/a", "hello\n", 0o644],
  ]);
  const script = await Deno.readTextFile(join(dir.path, "apply.sh"));
  assert.match(
    script,
    new RegExp(`^hk_receive 0 ${batch.data.length} 1 0 /srv/\\.hostkit-stage\\.\\S+$`, "m"),
  );
  assert.match(script, /^hk_step 0 /m);
  assert.ok(script.indexOf("hk_check_stale") < script.indexOf("hk_receive"), script);
});

Deno.test("long names and names with spaces, quotes and newlines survive the real tar", async () => {
  await using dir = await tempDir();
  // > 100 bytes in all but splittable at a slash (ustar prefix + name), a base name over 100
  // bytes and a path over 255 bytes (neither fits ustar: a pax header carries them).
  const deep = Array.from({ length: 6 }, (_, i) => `directory ${i} with "quotes"`).join("/");
  const longBase = `it's a "name" with spaces, $dollar, \\backslash, ünïcode and ${"x".repeat(80)}`;
  const names = [
    `${deep}/.hostkit-stage.20260614-101148-demo-up-ab12/short 'one'`,
    `srv/.hostkit-stage.20260614-101148-demo-up-ab12/${longBase}`,
    `${deep}/${deep}/.hostkit-stage.20260614-101148-demo-up-ab12/${longBase}`,
    "srv/.hostkit-stage.20260614-101148-demo-up-ab12/line one\nline 'two'\n",
  ];
  assert.ok(names[0].length > 100 && names[0].length < 255);
  assert.ok(new TextEncoder().encode(longBase).length > 100);
  assert.ok(names[2].length > 255);
  const entries: TarEntry[] = names.map((name, i) => ({
    name,
    data: new TextEncoder().encode(`file ${i}\n`),
    mode: [0o644, 0o600, 0o640, 0o755][i],
  }));
  const archive = await tarBytes(entries);
  const { members, listing } = await readTar(archive);
  assert.deepEqual(
    members.map((m) => [m.name, m.text, m.mode]),
    entries.map((e) => [
      e.name,
      new TextDecoder().decode(e.data),
      e.mode,
    ]),
  );
  // `tar -tv` shows one line per file, the newlines escaped.
  assert.deepEqual(listing.map((line) => line.split(" ")[0]), [
    "-rw-r--r--",
    "-rw-------",
    "-rw-r-----",
    "-rwxr-xr-x",
  ]);
  assert.ok(listing[3].endsWith(String.raw`/line one\nline 'two'\n`), listing[3]);
  const { code, stderr } = await untar(ReadableStream.from([archive]), dir.path);
  assert.equal(code, 0, stderr);
  for (const entry of entries) {
    const path = join(dir.path, entry.name);
    assert.deepEqual(await Deno.readFile(path), entry.data, entry.name);
    assert.equal((await Deno.stat(path)).mode! & 0o777, entry.mode, entry.name);
  }
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
