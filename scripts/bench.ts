/**
 * `deno task bench`: hostkit on real test hosts (nspawn containers), against the physical floor
 * (`tar c | ssh tar x` + sync on the same host) and the goals of the linear-cost issue, printed
 * as ONE table: case, floor, hostkit, ratio, goal. The machine's load average is in the header:
 * it is shared, and numbers taken under load say so. No number here is asserted by a test.
 *
 * ```sh
 * export HOSTKIT_NSPAWN_DIR=/work/nspawn-shared
 * deno task bench               # boots hk1..hk8 (root), measures, tears them down
 * deno task bench --keep        # leave the hosts up
 * deno task bench --quick       # skip the 10,000-file and 50,000-resource cases
 * deno task bench --ansible     # also Debian's ansible (pipelining on): minutes; never in CI
 * ```
 * Waits for an integration run to finish first (the machine-wide lock of the test hosts).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { lockRuns } from "./integration.ts";
import { nspawnBackend } from "./nspawn.ts";
import { run } from "./hosts/proc.ts";
import { sshArgs, type TestHost } from "./hosts/test_host.ts";
import { filesBody, serviceBody, writeConfig } from "./bench/configs.ts";
import { loadAverage, type Row, table } from "./bench/report.ts";
import { ansibleFiles, ansibleService } from "./bench/ansible.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
// In every name a case gives the host: hosts kept from an earlier run (--keep) must not turn this
// run's first deploys into no-ops.
const RUN = crypto.randomUUID().slice(0, 6);

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [(performance.now() - start) / 1000, result];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

/** Runs the CLI in a fresh process (as a user would); seconds and its stdout. */
async function cli(args: string[], allowed = [0]): Promise<[number, string]> {
  const [seconds, out] = await timed(() =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${REPO}/cli.ts`, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output()
  );
  if (!allowed.includes(out.code)) {
    throw new Error(
      `hostkit ${args.join(" ")} exited ${out.code}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return [seconds, new TextDecoder().decode(out.stdout)];
}

/** The settle window an apply printed with --json (ms), 0 without one. */
function settleMs(jsonLines: string): number {
  let ms = 0;
  for (const line of jsonLines.split("\n")) {
    if (!line.startsWith("{")) continue;
    const event = JSON.parse(line);
    if (event.type === "settle" && event.status !== "start") ms = Math.max(ms, event.ms);
  }
  return ms;
}

async function ssh(host: TestHost, command: string): Promise<string> {
  return (await run("ssh", [...sshArgs(host, "root"), "--", command])).stdout;
}

/** `count` small files in `dir` on this machine, the same content the file configs declare. */
async function localFiles(dir: string, count: number): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await Deno.writeTextFile(`${dir}/f${i}.txt`, `file ${i} v0\n`);
}

/** The floor: one tar stream through the system ssh client, unpacked and synced. */
async function floor(host: TestHost, dir: string, dest: string): Promise<number> {
  const login = sshArgs(host, "root").join(" ");
  const [seconds] = await timed(() =>
    run("sh", [
      "-c",
      `tar c -C ${dir} . | ssh ${login} 'mkdir -p ${dest} && tar x -C ${dest} && sync'`,
    ])
  );
  return seconds;
}

interface Bench {
  work: string;
  hosts: TestHost[];
  rows: Row[];
  ansible: boolean;
}

/** Plan + apply of N new small files, and the no-op re-plan, against the floor. */
async function files(b: Bench, count: number, trials: number): Promise<void> {
  const host = b.hosts[0];
  const local = `${b.work}/files-${count}`;
  await localFiles(local, count);
  const floors: number[] = [];
  const applies: number[] = [];
  const replans: number[] = [];
  for (let t = 0; t < trials; t++) {
    floors.push(await floor(host, local, `/srv/floor-${count}-${t}-${RUN}`));
    // One config file, edited between trials (as an operator edits one): from the second trial
    // on, its hosts are connected while the changed config is evaluated (src/cli/early_targets.ts).
    const config = await writeConfig(
      b.work,
      `files-${count}-${RUN}`,
      { bench: host },
      filesBody(`/srv/hk-${count}-${t}-${RUN}`, count),
    );
    applies.push((await cli(["apply", config, "--host", "bench", "--confirm"]))[0]);
    replans.push((await cli(["plan", config, "--host", "bench"]))[0]);
  }
  const f = median(floors);
  const n = count.toLocaleString("en");
  const applied = median(applies);
  const replanned = median(replans);
  b.rows.push({
    case: `${n} new files: plan + apply`,
    floor: f,
    hostkit: applied,
    goal: "≤ 1.3x",
    met: applied / f <= 1.3,
  });
  b.rows.push({
    case: `${n} files: no-op re-plan`,
    floor: f,
    hostkit: replanned,
    goal: "≤ 1.0x",
    met: replanned / f <= 1.0,
  });
  if (b.ansible && count === 1000) {
    b.rows.at(-2)!.ansible = await ansibleFiles(b.work, host, local);
  }
}

/** Updating 5,000 files untracked, then with --track (backups, record, plan copy). */
async function tracked(b: Bench, count: number): Promise<void> {
  const host = b.hosts[0];
  const write = (version: number) =>
    writeConfig(b.work, "update", { bench: host }, filesBody(`/srv/update-${RUN}`, count, version));
  await cli(["apply", await write(0), "--host", "bench", "--confirm"]);
  const plain: number[] = [];
  const tracking: number[] = [];
  for (let v = 1; v <= 4; v++) {
    const args = ["apply", await write(v), "--host", "bench", "--confirm"];
    if (v % 2 === 0) tracking.push((await cli([...args, "--track"]))[0]);
    else plain.push((await cli(args))[0]);
  }
  const untracked = Math.min(...plain);
  const withTrack = Math.min(...tracking);
  b.rows.push({
    case: `update ${count.toLocaleString("en")} files: --track vs untracked`,
    floor: untracked,
    hostkit: withTrack,
    goal: "≤ 1.1x",
    met: withTrack / untracked <= 1.1,
  });
}

/** The small service: first run (with its settle window) and the no-op rerun. */
async function service(b: Bench, trials: number): Promise<void> {
  const host = b.hosts[0];
  const firsts: number[] = [];
  const settles: number[] = [];
  const noops: number[] = [];
  const logins: number[] = [];
  for (let t = 0; t < trials; t++) {
    // What any no-op costs at least: one login and one command through the system ssh client.
    logins.push((await timed(() => ssh(host, "true")))[0]);
    const config = await writeConfig(
      b.work,
      `svc${t}`,
      { bench: host },
      serviceBody(`svc${t}x${RUN}`),
    );
    const [first, events] = await cli(["apply", config, "--host", "bench", "--confirm", "--json"]);
    firsts.push(first);
    settles.push(settleMs(events) / 1000);
    noops.push((await cli(["apply", config, "--host", "bench", "--confirm"]))[0]);
  }
  const first = median(firsts);
  const settle = median(settles);
  const noop = median(noops);
  b.rows.push({
    case: "service deploy, first run (total)",
    hostkit: first,
    goal: "≤ 0.6 s + settle",
    met: first - settle <= 0.6,
  });
  b.rows.push({ case: "  of which the settle window", hostkit: settle, goal: "1 s default" });
  b.rows.push({
    case: "  first run without the settle window",
    hostkit: first - settle,
    goal: "≤ 0.6 s",
  });
  b.rows.push({
    case: "service deploy, no-op (floor: ssh HOST true)",
    floor: median(logins),
    hostkit: noop,
    goal: "≤ 0.3 s",
    met: noop <= 0.3,
  });
  if (b.ansible) {
    const [firstRun, noopRun] = await ansibleService(b.work, host);
    b.rows.at(-4)!.ansible = firstRun;
    b.rows.at(-1)!.ansible = noopRun;
  }
}

/** The service deployed on 1, 4 and 8 hosts at once (one CLI call, hosts in parallel). */
async function multiHost(b: Bench): Promise<void> {
  const names = b.hosts.map((_, i) => `b${i + 1}`);
  const all = Object.fromEntries(b.hosts.map((h, i) => [names[i], h]));
  let one = 0;
  for (const count of [1, 4, 8].filter((c) => c <= b.hosts.length)) {
    const config = await writeConfig(
      b.work,
      `multi${count}`,
      all,
      serviceBody(`multi${count}x${RUN}`),
    );
    const [seconds] = await cli([
      "apply",
      config,
      ...names.slice(0, count).flatMap((n) => ["--host", n]),
      "--confirm",
    ]);
    if (count === 1) one = seconds;
    b.rows.push({
      case: `service deploy on ${count} host${count > 1 ? "s" : ""} at once`,
      floor: count === 1 ? undefined : one,
      hostkit: seconds,
      goal: count === 4 ? "≤ 1.5x one host" : count === 8 ? "report (2 cores)" : "",
      met: count === 4 ? seconds / one <= 1.5 : undefined,
    });
  }
  // What the hosts' shared cores allow: the same host work with no hostkit in it, a login and a
  // daemon-reload through the system ssh client, on 1 host and on 4 at once.
  const reloads = async (count: number) =>
    (await timed(() =>
      Promise.all(b.hosts.slice(0, count).map((h) => ssh(h, "systemctl daemon-reload")))
    ))[0];
  if (b.hosts.length >= 4) {
    const [single, four] = [await reloads(1), await reloads(4)];
    b.rows.push({
      case: "  the same host work without hostkit (ssh + daemon-reload): 4 hosts vs 1",
      floor: single,
      hostkit: four,
      goal: "report (the hosts share 2 cores)",
    });
  }
}

/** Where a first service deploy's time goes (one fresh process, scripts/bench/phases.ts). */
async function breakdown(b: Bench): Promise<void> {
  const host = b.hosts[0];
  const config = await writeConfig(b.work, "phases", { bench: host }, serviceBody(`phases${RUN}`));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${REPO}/scripts/bench/phases.ts`, config, JSON.stringify(host)],
    cwd: REPO,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) throw new Error(`phases: ${new TextDecoder().decode(out.stderr)}`);
  const phases = JSON.parse(new TextDecoder().decode(out.stdout));
  // daemon-reload alone, on the host's own clock: what the activation step cannot avoid.
  const reloads: number[] = [];
  for (let i = 0; i < 3; i++) {
    reloads.push(Number(
      await ssh(
        host,
        "a=$(date +%s%N); systemctl daemon-reload; echo $((($(date +%s%N) - a) / 1000000))",
      ),
    ));
  }
  const activation = Object.entries(phases.steps as Record<string, number>)
    .find(([label]) => /start|activate|enable/.test(label))?.[1] ?? 0;
  const row = (name: string, ms: number) =>
    b.rows.push({ case: `  breakdown: ${name}`, hostkit: ms, goal: "", unit: "ms" });
  row("process start (runtime until the first module runs)", phases.processStart);
  row("module loading (config loader, ssh, plan, apply)", phases.modules);
  row("config sandbox with its start, a new config", phases.sandbox);
  row("config sandbox with its start, unchanged (module cache)", phases.sandboxCached);
  row("config unchanged: its kept answer, no sandbox (result cache)", phases.answerCached);
  row("SSH handshake + first exec", phases.handshake);
  row("probe (plan's one read)", phases.probe);
  row("apply program, whole (stream, lock, steps, settle)", phases.program);
  row("  activation step (daemon-reload, start, settle)", activation);
  row("  daemon-reload alone (host clock)", median(reloads));
  row("  settle window", phases.settle);
}

/** Controller CPU time and max RSS of offline plans (no host): linear in N. */
async function offline(b: Bench, sizes: number[]): Promise<void> {
  const cpu: Record<number, number> = {};
  for (const count of sizes) {
    const config = await writeConfig(b.work, `offline${count}`, {}, filesBody("/srv/off", count));
    const out = await new Deno.Command("/usr/bin/time", {
      // A generous config time limit: 50,000 declarations on a loaded machine take a while.
      args: [
        "-f",
        "%e %U %S %M",
        Deno.execPath(),
        "run",
        "-A",
        `${REPO}/cli.ts`,
        "plan",
        config,
        "--timeout",
        "600",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    const last = stderr.split("\n").at(-1)!;
    const [wall, user, system, kb] = last.split(" ").map(Number);
    if (out.code !== 0 || Number.isNaN(kb)) throw new Error(`offline plan ${count}: ${stderr}`);
    cpu[count] = user + system;
    const n = count.toLocaleString("en");
    b.rows.push({
      case: `offline plan, ${n} resources: CPU (wall ${wall.toFixed(1)} s)`,
      hostkit: user + system,
      goal: "linear in N",
      unit: "s cpu",
    });
    b.rows.push({
      case: `offline plan, ${n} resources: max RSS`,
      hostkit: kb / 1024,
      goal: count === 10_000 ? "≤ 200 MB" : "linear in N",
      met: count === 10_000 ? kb / 1024 <= 200 : undefined,
      unit: "MB",
    });
  }
  // The two largest: at 1,000 the fixed cost (two runtimes starting) hides the per-resource one.
  const [small, large] = [sizes.at(-2) ?? sizes[0], sizes.at(-1)!];
  if (large > small) {
    b.rows.push({
      case: `offline plan CPU, ${large.toLocaleString("en")} vs ${small.toLocaleString("en")}`,
      floor: cpu[small],
      hostkit: cpu[large],
      goal: `≤ ${large / small}x (linear)`,
      met: cpu[large] / cpu[small] <= large / small,
      unit: "s cpu",
    });
  }
}

async function main() {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      keep: { type: "boolean" },
      ansible: { type: "boolean" },
      quick: { type: "boolean" },
    },
  });
  const loadBefore = await loadAverage();
  // The test hosts are shared: never boot (and then tear down) hosts under an integration run.
  await lockRuns("bench");
  const hosts = await nspawnBackend.ensure(8);
  const work = await Deno.makeTempDir({ prefix: "hostkit-bench-" });
  const b: Bench = { work, hosts, rows: [], ansible: values.ansible === true };
  const started = new Date().toISOString().slice(0, 16);
  let failure: unknown;
  type Case = [string, () => Promise<void>];
  const cases: Case[] = [
    ["1,000 files", () => files(b, 1000, 3)],
    ...(values.quick ? [] : [["10,000 files", () => files(b, 10_000, 1)] as Case]),
    ["--track", () => tracked(b, 5000)],
    ["service", () => service(b, 3)],
    ["breakdown", () => breakdown(b)],
    ["1, 4, 8 hosts", () => multiHost(b)],
    ["offline plans", () => offline(b, values.quick ? [1000, 10_000] : [1000, 10_000, 50_000])],
  ];
  try {
    for (const [name, measure] of cases) {
      console.error(`bench: ${name} (load average ${await loadAverage()})`);
      await measure();
    }
  } catch (error) {
    // The numbers taken so far still count.
    failure = error;
  } finally {
    await Deno.remove(work, { recursive: true });
    if (!values.keep) await nspawnBackend.destroy();
  }
  const header = `hostkit bench ${started} UTC, ${navigator.hardwareConcurrency} cores, ` +
    `load average ${loadBefore} before, ${await loadAverage()} after; ` +
    `hosts: nspawn Debian 12 on this machine`;
  console.log(table(b.rows, header, b.ansible));
  if (failure) throw failure;
}

if (import.meta.main) await main();
