/** The CLI end to end, as a subprocess: flags, exit codes and output. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parsePlan } from "../../src/plan/artifact.ts";
import { ExitCode } from "../../src/errors.ts";
import { EXAMPLES, lines, ROOT, runCli, tempDir, writeFiles } from "../helpers.ts";

const TOYS = join(EXAMPLES, "toys.ts");
const APP = join(EXAMPLES, "app_lifecycle.ts");

/** The commands `hostkit --help` lists. */
async function commands(): Promise<string[]> {
  const { code, stdout } = await runCli(["--help"]);
  assert.equal(code, 0);
  const section = stdout.split("Commands:\n")[1].split("\n\n")[0];
  return section.split("\n").map((line) => line.trim().split(/\s+/)[0]).filter(Boolean);
}

Deno.test("hostkit with no command prints the overview and exits 64; --help exits 0", async () => {
  const bare = await runCli([]);
  assert.equal(bare.code, 64);
  assert.match(bare.stdout, /Usage: hostkit COMMAND/);
  const help = await runCli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Exit codes: 0 ok/);
  // Every exit code hostkit can return is explained there.
  const explained = help.stdout.slice(help.stdout.indexOf("Exit codes:"));
  for (const code of new Set(Object.values(ExitCode))) {
    assert.match(explained, new RegExp(`(^|[\\s,:])${code} `), `exit code ${code} in --help`);
  }
  const version = await runCli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^hostkit \d+\.\d+\.\d+/);
});

Deno.test("an unknown command is a usage error listing the commands", async () => {
  const { code, stderr } = await runCli(["deploy"]);
  assert.equal(code, 64);
  assert.match(stderr, /unknown command "deploy" \(commands: .*plan.*\)/);
});

Deno.test("--help of every command lists every flag", async (t) => {
  const names = await commands();
  assert.ok(names.includes("plan") && names.includes("render"), names.join(" "));
  for (const name of names) {
    await t.step(name, async () => {
      const { spec } = await import(`../../src/cli/${name}.ts`);
      const { code, stdout } = await runCli([name, "--help"]);
      assert.equal(code, 0);
      assert.ok(stdout.startsWith(`hostkit ${name}: `), stdout);
      assert.match(stdout, /\nUsage: hostkit /);
      for (
        const [flag, about] of Object.entries(spec.flags as Record<string, { short?: string }>)
      ) {
        assert.match(stdout, new RegExp(`^  (-\\w, )?--${flag}\\b`, "m"), `--${flag} missing`);
        if (about.short) assert.match(stdout, new RegExp(`-${about.short}, --${flag}`));
      }
      assert.match(stdout, /-h, --help/);
    });
  }
});

Deno.test("an unknown flag exits 64 naming the flag, for every command", async (t) => {
  for (const name of await commands()) {
    await t.step(name, async () => {
      const { code, stderr, stdout } = await runCli([name, TOYS, "--colour"]);
      assert.equal(code, 64, stderr);
      assert.match(stderr, new RegExp(`^error: hostkit ${name}: unknown flag --colour`));
      assert.match(stderr, new RegExp(`see hostkit ${name} --help`));
      assert.equal(stdout, "");
    });
  }
});

Deno.test("--local with --host is a usage error", async () => {
  const { code, stderr } = await runCli(["plan", TOYS, "--local", "--host", "elixir_toys"]);
  assert.equal(code, 64);
  assert.match(stderr, /--local and --host cannot be combined/);
});

Deno.test("raw SSH flags without --remote are a usage error", async () => {
  const { code, stderr } = await runCli(["plan", TOYS, "--local", "--user", "root"]);
  assert.equal(code, 64);
  assert.match(stderr, /--user only go with --remote/);
});

Deno.test("an undeclared --host is a usage error naming the declared ones", async () => {
  const { code, stderr } = await runCli(["plan", TOYS, "--host", "nope"]);
  assert.equal(code, 64);
  assert.match(stderr, /--host nope: no such host in toys \(declared: elixir_toys\)/);
});

Deno.test("bad values and missing arguments are usage errors naming them", async () => {
  const timeout = await runCli(["dump", TOYS, "--timeout", "soon"]);
  assert.equal(timeout.code, 64);
  assert.match(timeout.stderr, /--timeout wants a positive number, got "soon"/);
  const format = await runCli(["dump", TOYS, "--format", "yaml"]);
  assert.equal(format.code, 64);
  assert.match(format.stderr, /--format must be json or text, got "yaml"/);
  const missing = await runCli(["render", TOYS]);
  assert.equal(missing.code, 64);
  assert.match(missing.stderr, /hostkit render expects CONFIG KIND NAME/);
});

Deno.test("dump --format text lists the project's hosts and resources", async () => {
  const { code, stdout } = await runCli(["dump", TOYS, "--format", "text"]);
  assert.equal(code, 0);
  assert.equal(
    stdout,
    lines(
      "project toys: 3 resources, 1 hosts",
      "  host elixir_toys → dannote@elixir.toys (sudo)",
      `  account:toys-exograph [exograph]  (${TOYS}:20)`,
      `  directory:/srv/toys/exograph [exograph]  (${TOYS}:21)`,
      `  systemd_service:toys-exograph.service [exograph]  (${TOYS}:27)`,
    ),
  );
});

Deno.test("dump prints the project as JSON by default; --require applies conventions", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("plain", (p) => p.service("web", (s) => s.account(s.serviceUser())));',
    ),
  });
  const plain = await runCli(["dump", config]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(JSON.parse(plain.stdout).resources[0].name, "web");
  const required = await runCli([
    "dump",
    config,
    "--require",
    join(EXAMPLES, "toys_conventions.ts"),
  ]);
  assert.equal(required.code, 0, required.stderr);
  const spec = JSON.parse(required.stdout);
  assert.equal(spec.resources[0].name, "toys-web");
  assert.equal(spec.roots.data, "/srv/toys");
});

Deno.test("render prints the unit hostkit would write", async () => {
  const { code, stdout } = await runCli([
    "render",
    TOYS,
    "systemd_service",
    "toys-exograph.service",
  ]);
  assert.equal(code, 0);
  assert.ok(stdout.startsWith("# Managed by hostkit."));
  assert.match(stdout, /\n\[Service\]\nUser=toys-exograph\n/);
  assert.match(
    stdout,
    /\nExecStart=\/usr\/local\/bin\/mix exograph\.index\.hex --web --port 4200\n/,
  );
  assert.ok(stdout.endsWith("[Install]\nWantedBy=multi-user.target\n"));
});

Deno.test("render of an unknown resource lists that kind's resources", async () => {
  const { code, stderr } = await runCli(["render", TOYS, "systemd_service", "nope.service"]);
  assert.equal(code, 64);
  assert.match(
    stderr,
    /no systemd_service:nope\.service in project toys \(systemd_service resources: systemd_service:toys-exograph\.service\)/,
  );
});

Deno.test("render of an env file needs its secrets from the environment", async () => {
  const args = ["render", APP, "env_file", "/etc/shop/web/env"];
  const refused = await runCli(args);
  assert.equal(refused.code, 78);
  assert.match(refused.stderr, /SECRET_KEY_BASE is not set/);
  const rendered = await runCli(args, {
    env: { SECRET_KEY_BASE: "k3y", DATABASE_URL: "postgres://db/shop" },
  });
  assert.equal(rendered.code, 0, rendered.stderr);
  assert.match(rendered.stdout, /\nSECRET_KEY_BASE=k3y\nDATABASE_URL=postgres:\/\/db\/shop\n$/);
});

Deno.test("plan without a target is made offline and prints the summary line", async () => {
  const { code, stdout } = await runCli(["plan", TOYS]);
  assert.equal(code, 0);
  assert.match(stdout, /^Host offline \(offline\)\n/);
  assert.match(stdout, /\n {2}Plan: 3 to create, 0 to update, 0 to delete, 0 unchanged\n/);
  assert.ok(!stdout.includes("\x1b["), "NO_COLOR and no TTY: no colors");
});

Deno.test("plan --out saves an artifact that loads; --json prints the plan", async () => {
  await using dir = await tempDir();
  const out = join(dir.path, "up.plan.json");
  const saved = await runCli(["plan", TOYS, "--out", out]);
  assert.equal(saved.code, 0, saved.stderr);
  assert.match(
    saved.stdout,
    new RegExp(
      `Saved plan to ${out}\\. Apply exactly this plan with: hostkit apply --plan ${out} --confirm`,
    ),
  );
  const plan = parsePlan(await Deno.readTextFile(out), out);
  assert.equal(plan.summary.create, 3);
  const json = await runCli(["plan", TOYS, "--json"]);
  assert.equal(json.code, 0);
  assert.equal(parsePlan(json.stdout, "stdout").project, "toys");
});

Deno.test("plan --show-graph prints the order with dependencies", async () => {
  const { code, stdout } = await runCli([
    "plan",
    join(EXAMPLES, "observability.ts"),
    "--show-graph",
  ]);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /\nsystemd_timer:toys-reports\.timer\n {2}after systemd_service:toys-reports\.service\n/,
  );
});

Deno.test("plan --detailed-exitcode --local: 2 with changes, 0 without", async () => {
  await using dir = await tempDir();
  const existing = join(dir.path, "exists");
  await Deno.mkdir(existing);
  const write = (paths: string[]) =>
    writeFiles(dir.path, {
      "config.ts": lines(
        'import { project } from "hostkit";',
        'export default project("local", (p) => {',
        ...paths.map((path) => `  p.directory(${JSON.stringify(path)});`),
        "});",
      ),
    });
  const changing = await write([existing, join(dir.path, "missing")]);
  const changes = await runCli(["plan", changing, "--local", "--detailed-exitcode"]);
  assert.equal(changes.code, 2, changes.stderr);
  assert.match(changes.stdout, /Host local \(local;/);
  assert.match(changes.stdout, /Plan: 1 to create, 0 to update, 0 to delete, 1 unchanged/);
  assert.match(changes.stdout, /\+ directory:.*\/missing \(missing\)/);

  const same = await write([existing]);
  const none = await runCli(["plan", same, "--local", "--detailed-exitcode"]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stdout, /Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged/);

  const plain = await runCli(["plan", changing, "--local"]);
  assert.equal(plain.code, 0, "without --detailed-exitcode changes exit 0");
});

Deno.test("a config error exits 2 naming file:line", async () => {
  await using dir = await tempDir();
  const config = await writeFiles(dir.path, {
    "config.ts": lines(
      'import { project } from "hostkit";',
      'export default project("x", (p) => {',
      '  p.directory("relative/path");',
      "});",
    ),
  });
  for (const command of ["dump", "plan"]) {
    const { code, stderr } = await runCli([command, config]);
    assert.equal(code, 2, command);
    assert.match(stderr, new RegExp(`^error: ${config}:3: invalid directory:relative/path`));
  }
});

Deno.test("the demo runs offline", async () => {
  const { code, stdout } = await runCli(["demo", "--offline"], { cwd: ROOT });
  assert.equal(code, 0);
  assert.match(stdout, /# 1\. Loaded .*examples\/toys\.ts in a sandbox: project toys, 3 resources/);
  assert.match(stdout, /Plan: 3 to create/);
});

Deno.test("a host's password secret must be set before anything connects", async () => {
  const hosts = join(EXAMPLES, "integration_hosts.example.ts");
  const dumped = await runCli(["dump", hosts]);
  assert.equal(dumped.code, 0, dumped.stderr);
  const prod = JSON.parse(dumped.stdout).hosts[0];
  assert.deepEqual(prod.ssh.password, { $secret: { env: "HOSTKIT_SSH_PASSWORD" } });
  assert.equal(prod.ssh.silentlyAcceptHosts, true);

  const { code, stderr } = await runCli(["plan", hosts, "--host", "prod"]);
  assert.equal(code, 78);
  assert.match(stderr, /HOSTKIT_SSH_PASSWORD is not set \(needed for SSH password of host prod\)/);
});

Deno.test("the compiled binary includes every command's module (the CLI imports them by URL)", async () => {
  const { COMMANDS } = await import("../../src/cli/commands.ts");
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const included = [...config.tasks.compile.matchAll(/--include (\S+)/g)].map((m) => m[1]);
  for (const { module } of Object.values(COMMANDS)) {
    assert.ok(
      included.includes(`src/cli/${module.replace("./", "")}`),
      `deno task compile must --include ${module}`,
    );
    // The module exists and is a command (its spec carries the overview's summary).
    const loaded = await import(new URL(module, new URL("../../src/cli/", import.meta.url)).href);
    assert.equal(typeof loaded.run, "function");
  }
});
