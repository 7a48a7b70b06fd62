/**
 * Where the time of one service deploy goes, measured inside one fresh process the way the CLI
 * does the work: process start (until this module runs), loading the modules `apply` needs,
 * evaluating the config in its sandbox with the child's start (a new config, then the same again
 * from the module cache), answering the unchanged config from the evaluated-config cache (no
 * child), the SSH handshake (with a first exec), the probe (the
 * plan's one read), compiling and running the apply program (with its steps and the settle
 * window from the host's events). Prints the numbers (ms) as one JSON line.
 *
 * ```sh
 * deno run -A scripts/bench/phases.ts CONFIG HOST_JSON    # HOST_JSON: a TestHost
 * ```
 *
 * @module
 */
const startedMs = performance.now();

async function main(): Promise<void> {
  const [config, hostJson] = Deno.args;
  const host = JSON.parse(hostJson);
  const ms = (since: number) => Math.round((performance.now() - since) * 10) / 10;

  let t = performance.now();
  const { load } = await import("../../src/config/load.ts");
  const { sshTarget } = await import("../../src/transport/ssh.ts");
  const { plan } = await import("../../src/plan/mod.ts");
  const { apply } = await import("../../src/apply/mod.ts");
  const modules = ms(t);

  // Both with the child's start (the CLI overlaps it with its module loading): a new config,
  // then the same one again, every module from the cache (the child never loads the transpiler).
  t = performance.now();
  const project = await load(config);
  const sandbox = ms(t);
  t = performance.now();
  await load(config, { results: false });
  const sandboxCached = ms(t);
  // What an unchanged config costs the CLI: its kept answer, validated; no child starts.
  t = performance.now();
  await load(config);
  const answerCached = ms(t);

  const target = sshTarget({
    host: host.address,
    user: "root",
    identityFile: host.identityFile,
    knownHostsFiles: [host.knownHostsFile],
    agent: false,
    name: "bench",
  });
  try {
    t = performance.now();
    const first = await target.run("true");
    if (first.code !== 0) throw new Error("`true` failed on the bench host");
    const handshake = ms(t);

    t = performance.now();
    const planned = await plan(project, { targets: [target] });
    const probe = ms(t);

    const steps: Record<string, number> = {};
    let settle = 0;
    t = performance.now();
    const [result] = await apply(planned, {
      targets: [target],
      confirm: true,
      onEvent: (event) => {
        if (event.type === "step" && event.status === "ok") steps[event.label] = event.ms ?? 0;
        if (event.type === "settle" && event.status !== "start") settle = event.ms;
      },
    });
    const program = ms(t);
    if (result.status !== "applied") throw new Error(`apply: ${JSON.stringify(result)}`);
    console.log(JSON.stringify({
      processStart: Math.round(startedMs * 10) / 10,
      modules,
      sandbox,
      sandboxCached,
      answerCached,
      handshake,
      probe,
      program,
      settle,
      steps,
    }));
  } finally {
    await target.close();
  }
}

if (import.meta.main) await main();
