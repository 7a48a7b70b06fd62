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

/**
 * A host-side script: waits for the process whose full command line is `argv` (giving up after
 * 120 s, a hang guard), then SIGKILLs every sshd among its ancestors except the listener (whose
 * parent is PID 1), i.e. the server side of exactly the SSH session that started it. Prints
 * what it killed.
 */
function dropSessionOf(argv: string): string {
  return `
i=0
until pid=$(pgrep -x -f '${argv}'); do
  i=$((i + 1)); [ $i -lt 1200 ] || { echo "no process '${argv}' within 120 s"; exit 3; }
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

/** Whether a process with exactly the command line `argv` runs on the host. */
async function running(argv: string): Promise<boolean> {
  return (await sshExec(host, "root", `pgrep -x -f '${argv}' > /dev/null`)).code === 0;
}

Deno.test("a dropped SSH connection mid-apply does not leave the host half-applied", async () => {
  const tag = crypto.randomUUID().slice(0, 8);
  const dir = `/srv/it-drop-${tag}`;
  // A sleep with a unique argument: the test finds exactly this apply's process by it. It
  // outlasts the test (120 s, a hang guard): the test ends it itself, once hostkit has exited,
  // so "hostkit did not wait for the program" is a fact of ordering, not of speed.
  const sleep = `/bin/sleep 120.${
    String(crypto.getRandomValues(new Uint16Array(1))[0]).padStart(5, "0")
  }`;
  const config = await writeConfig(
    host,
    `
  p.command("slow-${tag}", { exec: ["/bin/sh", "-c", "${sleep}; exit 0"] });
  p.file("${dir}/after-sleep", { content: "written after the sleep\\n", dependsOn: ["command:slow-${tag}"] });`,
  );

  const applying = hostkit(["apply", config, "--host", "it", "--confirm"]);
  try {
    const dropped = await sshExec(host, "root", dropSessionOf(sleep));
    const r = await applying;
    const what = `killed:\n${dropped.stdout}${dropped.stderr}\nhostkit:\n${r.stdout}${r.stderr}`;
    assert.equal(dropped.code, 0, what);

    assert.equal(r.code, 69, `exits as unreachable\n${what}`);
    const applyDir = r.stderr.match(/cat (\/var\/tmp\/hostkit-apply\.[A-Za-z0-9]+)\/events\.log/)
      ?.[1];
    assert.ok(applyDir, `stderr says how to read the events\n${what}`);
    // hostkit exited while the program on the host was still in its sleep.
    assert.ok(await running(sleep), `the sleep still runs after hostkit exited\n${what}`);
    assert.equal((await sshExec(host, "root", `test -e ${dir}/after-sleep`)).code, 1, what);

    // The program goes on without the connection: once the sleep ends, it writes the file and
    // finishes. `tail --pid` returns when the program has exited: the oldest process with its
    // command line (its steps run in subshells, which share it).
    const program = `sh ${applyDir}/apply.sh ${applyDir}`;
    assert.ok(await running(program), `the apply program runs detached\n${what}`);
    await root(
      `pid=$(pgrep -o -x -f '${program}') && pkill -x -f '${sleep}' && tail -s 0.1 --pid="$pid" -f /dev/null`,
    );
    assert.equal(await root(`cat ${dir}/after-sleep`), "written after the sleep");
    const events = await root(`cat ${applyDir}/events.log`);
    assert.equal(events.split("\n").at(-1), "hk\tdone\t0", events);
    assert.equal(
      (await sshExec(host, "root", "test -e /var/lib/hostkit/lock")).code,
      1,
      "the apply lock was released",
    );

    const replan = await hostkit(["plan", config, "--host", "it", "--detailed-exitcode"]);
    assert.equal(replan.code, 0, replan.stdout + replan.stderr);
    assert.match(replan.stdout, /Plan: 0 to create, 0 to update, 0 to delete, 2 unchanged/);
  } finally {
    // On a failure above, the sleep must not outlive the test.
    await sshExec(host, "root", `pkill -x -f '${sleep}'`);
  }
});
