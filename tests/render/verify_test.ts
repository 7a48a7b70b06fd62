/**
 * Rendered units checked by the real `systemd-analyze verify`: every unit of
 * every example, and units using every DSL directive. Programs named by Exec*=
 * lines are replaced by temporary executables, since verify checks they exist.
 */
import assert from "node:assert/strict";
import { basename, dirname, join } from "node:path";
import { load } from "../../src/config/load.ts";
import type { DaemonScope } from "../../src/dsl/daemon.ts";
import { project } from "../../src/dsl/project.ts";
import type { SystemdService, SystemdTimer } from "../../src/model/resource.ts";
import { RESOURCE_PROFILES, SANDBOX_PROFILES } from "../../src/model/systemd.ts";
import { renderUnit } from "../../src/render/unit.ts";
import { exampleConfigs, tempDir } from "../helpers.ts";

const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";
const available = (() => {
  try {
    return Deno.statSync(SYSTEMD_ANALYZE).isFile;
  } catch {
    return false;
  }
})();

/** What verify says about configuration it does not understand or refuses. */
const COMPLAINT =
  /unknown (key|lvalue|section)|ignoring|invalid|failed to (parse|resolve)|bad unit|not executable|unbalanced|fatal/i;

interface Verdict {
  code: number;
  stderr: string;
}

/** Writes the units into a temp dir and runs `systemd-analyze verify` on all of them together. */
async function verify(units: (SystemdService | SystemdTimer)[]): Promise<Verdict> {
  await using dir = await tempDir("hostkit-verify-");
  const bin = join(dir.path, "bin");
  for (const unit of units) {
    const text = renderUnit(unit).replace(
      /^(Exec\w+=)([-@:+!]*)(\/\S+)/gm,
      (_, key: string, flags: string, program: string) => {
        const path = join(bin, program);
        Deno.mkdirSync(dirname(path), { recursive: true });
        Deno.copyFileSync("/bin/true", path);
        Deno.chmodSync(path, 0o755);
        return `${key}${flags}${path}`;
      },
    );
    await Deno.writeTextFile(join(dir.path, unit.name), text);
  }
  const output = await new Deno.Command(SYSTEMD_ANALYZE, {
    args: ["verify", ...units.map((u) => join(dir.path, u.name))],
    cwd: dir.path,
    env: { SYSTEMD_LOG_COLOR: "0", SYSTEMD_PAGER: "" },
  }).output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

function assertClean(verdict: Verdict, what: string) {
  assert.equal(verdict.code, 0, `${what}: systemd-analyze verify failed:\n${verdict.stderr}`);
  assert.doesNotMatch(verdict.stderr, COMPLAINT, `${what}: systemd-analyze complained`);
}

function unitOf(body: (d: DaemonScope) => void, name = "hk-test.service"): SystemdService {
  return project("t", (p) => p.daemon(name, body)).resources[0] as SystemdService;
}

Deno.test({
  name: "every unit of every example passes systemd-analyze verify",
  ignore: !available,
  async fn(t) {
    for (const config of await exampleConfigs()) {
      const spec = await load(config);
      const units = spec.resources.filter((r): r is SystemdService | SystemdTimer =>
        r.kind === "systemd_service" || r.kind === "systemd_timer"
      );
      if (units.length === 0) continue;
      await t.step(basename(config), async () => {
        assertClean(await verify(units), basename(config));
      });
    }
  },
});

Deno.test({
  name: "the checker itself catches unknown keys and missing programs",
  ignore: !available,
  async fn() {
    // The DSL refuses unknown keys itself, so the bogus one is added to the built unit.
    const unit = unitOf((d) => d.execStart(["/bin/true"]));
    unit.sections.find(([name]) => name === "Service")![1].push(["NotARealKey", "1"]);
    const bogus = await verify([unit]);
    assert.match(bogus.stderr, COMPLAINT);
    const bad = await verify([unitOf((d) => d.directive("Service", "ExecStart", "relative"))]);
    assert.notEqual(bad.code === 0 && !COMPLAINT.test(bad.stderr), true);
  },
});

Deno.test({
  name: "every DSL directive is a key systemd knows",
  ignore: !available,
  async fn() {
    const everything = unitOf((d) => {
      d.description("Every directive");
      d.afterTarget("network_online");
      d.after("postgresql.service");
      d.wants("network_online");
      d.requires("postgresql.service");
      d.type("notify");
      d.serviceUser("nobody");
      d.serviceGroup("nogroup");
      d.workingDirectory("/tmp");
      d.execStartPre(["/usr/bin/app", "check"]);
      d.execStart(["/usr/bin/app", "serve"]);
      d.environment("MIX_ENV", "prod");
      d.environmentFile("/etc/app/env");
      d.restart("on_failure");
      d.restartSec(5);
      d.readWritePaths(["/srv/app"]);
      d.readOnlyPaths(["/etc/app"]);
      d.inaccessiblePaths(["/home"]);
      d.networkPolicy({ deny: "all", allow: ["loopback", [10, 44, 0, 0, 24], "link_local"] });
      d.logs({ identifier: "app", stdout: "journal", stderr: "journal" });
      d.resources("large");
      d.directive("Service", "LimitNOFILE", 65536);
      d.directive("Service", "limit_nproc", 512);
      d.directive("Service", "oom_score_adjust", 100);
      d.directive("Service", "umask", "0027");
      d.directive("Service", "tty_path", "/dev/console");
      d.directive("Service", "numa_policy", "default");
      d.directive("Service", "ignore_sigpipe", true);
      d.directive("Unit", "StartLimitBurst", 5);
      d.wantedBy("multi_user");
    });
    // Runtime sandbox profiles: those with both isolation and resource limits.
    const runtimes = Object.keys(SANDBOX_PROFILES).filter((p) => p in RESOURCE_PROFILES);
    assert.deepEqual(runtimes.sort(), ["strict_app", "untrusted", "vibe_dev"]);
    const profiles = runtimes.map((profile) =>
      unitOf((d) => {
        d.execStart(["/usr/bin/app"]);
        d.sandbox(profile, { sandbox: { readWritePaths: ["/srv/app"], readOnlyPaths: ["/etc"] } });
      }, `hk-${profile.replace("_", "-")}.service`)
    );
    const hardened = Object.keys(SANDBOX_PROFILES).map((profile) =>
      unitOf((d) => {
        d.execStart(["/usr/bin/app"]);
        d.hardening(profile, { inaccessible_paths: ["/root"] });
      }, `hk-hardening-${profile.replace("_", "-")}.service`)
    );
    const timer = project("t", (p) =>
      p.systemdTimer("hk-test.timer", (t) => {
        t.description("Every timer directive");
        t.onCalendar("*-*-* 03:00:00");
        t.onBootSec("5min");
        t.onUnitActiveSec("1h");
        t.randomizedDelaySec("15m");
        t.persistent();
      })).resources[0] as SystemdTimer;
    assertClean(await verify([everything, ...profiles, ...hardened, timer]), "directives");
  },
});

Deno.test({
  name: "ExecStart arguments with quotes, spaces and backslashes pass verify",
  ignore: !available,
  async fn() {
    const unit = unitOf((d) =>
      d.execStart(["/usr/bin/app", "a b", 'say "hi"', "back\\slash", "it's", "tab\tx", "é ü"])
    );
    assertClean(await verify([unit]), "quoted arguments");
  },
});

Deno.test({
  name: "literal %, $ and ; in Exec, Environment and Description lines pass verify",
  ignore: !available,
  async fn() {
    // systemd expands %-specifiers in these values ("50%x" is refused, "10%off" would
    // silently become "10" + the OS id + "ff") and $VAR in Exec arguments.
    const unit = unitOf((d) => {
      d.description("Serves 50%x of traffic");
      d.execStartPre(["/usr/bin/app", "check", "100%x", ";", ""]);
      d.execStart(["/usr/bin/app", "50%x", "$HOME", "${PATH}", "a b $x %n"]);
      d.environment("DISCOUNT", "10%x");
      d.logs({ identifier: "app%x" });
    });
    assertClean(await verify([unit]), "percent");
  },
});

Deno.test({
  name: "paths with spaces, quotes and % in path lists stay one path each",
  ignore: !available,
  async fn() {
    // Unquoted, systemd would read "/srv/my" and "app" (ignored as not absolute).
    const unit = unitOf((d) => {
      d.execStart(["/usr/bin/app"]);
      d.workingDirectory("/srv/my app");
      d.readWritePaths(["/srv/my app", "/var/lib/app", "/srv/50%x"]);
      d.readOnlyPaths(['/srv/say "hi"', "/srv/it's", "/srv/back\\slash"]);
      d.inaccessiblePaths(["/srv/tab\tx"]);
      d.hardening("strict_web", { inaccessible_paths: ["/srv/my secrets"] });
    });
    assertClean(await verify([unit]), "spaced path");
  },
});
