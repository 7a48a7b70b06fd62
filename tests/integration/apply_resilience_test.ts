/**
 * Apply survives losing its SSH connection: the program on the host detached from the session,
 * so it finishes on its own, releases the lock and leaves its events readable, while the CLI
 * reports the host unreachable and says where those events are.
 */
import assert from "node:assert/strict";
import { sshExec, testHosts } from "./hosts.ts";
import { hostkit, writeConfig } from "./hostkit.ts";

const [host] = await testHosts();

async function root(command: string): Promise<string> {
  const r = await sshExec(host, "root", command);
  assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim();
}

/** Polls `check` every 200 ms until it returns a value, for at most `ms`. */
async function eventually<T>(ms: number, check: () => Promise<T | undefined>): Promise<T> {
  for (const end = Date.now() + ms;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A host-side script: waits (up to 30 s) for the process whose full command line is `argv`,
 * then SIGKILLs every sshd among its ancestors except the listener (whose parent is PID 1),
 * i.e. the server side of exactly the SSH session that started it. Prints what it killed.
 */
function dropSessionOf(argv: string): string {
  return `
i=0
until pid=$(pgrep -x -f '${argv}'); do
  i=$((i + 1)); [ $i -lt 300 ] || { echo "no process '${argv}' within 30 s"; exit 3; }
  sleep 0.1
done
p=$pid victims=
while [ "$p" -gt 1 ]; do
  stat=$(cat /proc/$p/stat) || break
  set -- \${stat##*) }
  parent=$2
  case $(cat /proc/$p/comm) in
    sshd|sshd-session) [ "$parent" = 1 ] || victims="$victims $p" ;;
  esac
  p=$parent
done
[ -n "$victims" ] || { echo "process $pid has no sshd ancestor"; exit 4; }
for v in $victims; do printf '%s: %s\\n' "$v" "$(tr '\\0' ' ' < /proc/$v/cmdline)"; done
kill -KILL $victims
`;
}

Deno.test("a dropped SSH connection mid-apply does not leave the host half-applied", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const dir = `/srv/it-drop-${tag}`;
  // A sleep with a unique argument: the test finds exactly this apply's process by it.
  const sleep = `3.${String(crypto.getRandomValues(new Uint16Array(1))[0]).padStart(5, "0")}`;
  const config = await writeConfig(
    host,
    `
  p.command("slow-${tag}", { exec: ["/bin/sleep", "${sleep}"] });
  p.file("${dir}/after-sleep", { content: "written after the sleep\\n", dependsOn: ["command:slow-${tag}"] });`,
  );

  const applying = hostkit(["apply", config, "--host", "it", "--confirm"]);
  const dropped = await sshExec(host, "root", dropSessionOf(`/bin/sleep ${sleep}`));
  const droppedAt = Date.now();
  const r = await applying;
  const exitedAfter = Date.now() - droppedAt;
  const what = `killed:\n${dropped.stdout}${dropped.stderr}\nhostkit:\n${r.stdout}${r.stderr}`;
  assert.equal(dropped.code, 0, what);

  assert.equal(r.code, 69, `exits as unreachable\n${what}`);
  assert.ok(exitedAfter < 5000, `exits promptly (${exitedAfter} ms after the drop)\n${what}`);
  const log = r.stderr.match(/cat (\/var\/tmp\/hostkit-apply\.[A-Za-z0-9]+\/events\.log)/)?.[1];
  assert.ok(log, `stderr says how to read the events\n${what}`);

  // The program goes on without the connection: the sleep ends, then the file is written.
  const written = await eventually(10_000, async () => {
    const cat = await sshExec(host, "root", `cat ${dir}/after-sleep`);
    return cat.code === 0 ? cat.stdout : undefined;
  });
  assert.equal(written, "written after the sleep\n");
  const events = await eventually(10_000, async () => {
    const text = await root(`cat ${log}`);
    return text.split("\n").at(-1)?.startsWith("hk\tdone\t") ? text : undefined;
  });
  assert.equal(events.split("\n").at(-1), "hk\tdone\t0", events);
  assert.equal(
    (await sshExec(host, "root", "test -e /var/lib/hostkit/lock")).code,
    1,
    "the apply lock was released",
  );

  const replan = await hostkit(["plan", config, "--host", "it", "--detailed-exitcode"]);
  assert.equal(replan.code, 0, replan.stdout + replan.stderr);
  assert.match(replan.stdout, /Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged/);
});
