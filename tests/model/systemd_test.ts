import assert from "node:assert/strict";
import {
  directiveName,
  directivePaths,
  type Directives,
  directiveValue,
  escapeSpecifiers,
  pathList,
  quoteListItem,
  RESOURCE_PROFILES,
  resourceDirectives,
  SANDBOX_PROFILES,
  sandboxDirectives,
  splitListValue,
  unitName,
} from "../../src/model/systemd.ts";

Deno.test("target aliases resolve as semantics.md pins them", () => {
  const pinned: Record<string, string> = {
    multi_user: "multi-user.target",
    graphical: "graphical.target",
    timers: "timers.target",
    network: "network.target",
    network_online: "network-online.target",
    default: "default.target",
  };
  for (const [alias, unit] of Object.entries(pinned)) assert.equal(unitName(alias), unit);
});

Deno.test("names with a unit suffix pass through unchanged", () => {
  for (
    const name of [
      "multi-user.target",
      "postgresql.service",
      "docker.socket",
      "backup.timer",
      "srv-data.mount",
      "user.slice",
      "dev-sda.device",
      "swapfile.swap",
      "proc.automount",
      "x.path",
      "session-1.scope",
    ]
  ) {
    assert.equal(unitName(name), name);
  }
});

Deno.test("an unknown unit alias is an error naming it and the known aliases", () => {
  assert.throws(() => unitName("networkonline"), /"networkonline".*network_online/);
  assert.throws(() => unitName("postgresql"), TypeError);
});

/** Directives as a map, failing on a key that appears twice. */
function asMap(directives: Directives): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of directives) {
    assert.ok(!(key in map), `${key} appears twice`);
    map[key] = value;
  }
  return map;
}

const WEB_SERVICE = {
  NoNewPrivileges: "yes",
  PrivateTmp: "yes",
  PrivateDevices: "yes",
  ProtectSystem: "full",
  ProtectHome: "yes",
  RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
};

const STRICT_WEB = {
  ...WEB_SERVICE,
  ProtectSystem: "strict",
  ProtectClock: "yes",
  ProtectHostname: "yes",
  ProtectKernelTunables: "yes",
  ProtectKernelModules: "yes",
  ProtectKernelLogs: "yes",
  ProtectControlGroups: "yes",
  LockPersonality: "yes",
  RestrictRealtime: "yes",
  RestrictSUIDSGID: "yes",
  RemoveIPC: "yes",
  SystemCallArchitectures: "native",
};

const VIBE_DEV = {
  NoNewPrivileges: "yes",
  PrivateTmp: "yes",
  ProtectSystem: "full",
  RestrictSUIDSGID: "yes",
  RestrictAddressFamilies: "AF_INET AF_INET6 AF_UNIX",
};

// The profiles are a floor: every pinned directive with its value, and only
// tightening extras measured with `systemd-analyze security`.
function assertFloor(profile: string, floor: Record<string, string>, extras: string[] = []) {
  const got = asMap(sandboxDirectives(profile));
  for (const [key, value] of Object.entries(floor)) {
    assert.equal(got[key], value, `${profile}: ${key}`);
  }
  const unexpected = Object.keys(got).filter((k) => !(k in floor) && !extras.includes(k));
  assert.deepEqual(unexpected, [], `${profile} has directives beyond its floor`);
}

const STRICT_EXTRAS = ["SystemCallFilter", "CapabilityBoundingSet"];

Deno.test("sandbox profile web_service", () => assertFloor("web_service", WEB_SERVICE));
Deno.test("sandbox profile strict_web", () => {
  assertFloor("strict_web", STRICT_WEB, STRICT_EXTRAS);
  const got = asMap(sandboxDirectives("strict_web"));
  assert.equal(got.SystemCallFilter, "@system-service");
  assert.equal(got.CapabilityBoundingSet, "");
});
Deno.test("sandbox profile strict_app is strict_web", () => {
  assert.deepEqual(sandboxDirectives("strict_app"), sandboxDirectives("strict_web"));
});
Deno.test("sandbox profile untrusted is strict_web plus PrivateNetwork", () => {
  assertFloor("untrusted", { ...STRICT_WEB, PrivateNetwork: "yes" }, STRICT_EXTRAS);
});
Deno.test("sandbox profile vibe_dev", () => assertFloor("vibe_dev", VIBE_DEV));

Deno.test("every sandbox profile is covered above", () => {
  assert.deepEqual(
    Object.keys(SANDBOX_PROFILES).sort(),
    ["strict_app", "strict_web", "untrusted", "vibe_dev", "web_service"],
  );
});

Deno.test("sandbox overrides replace a field in place, in any spelling", () => {
  for (const key of ["private_network", "privateNetwork", "PrivateNetwork"]) {
    const directives = sandboxDirectives("untrusted", { [key]: false });
    const map = asMap(directives);
    assert.equal(map.PrivateNetwork, "no", key);
    assert.equal(map.ProtectSystem, "strict");
  }
  assert.equal(
    asMap(sandboxDirectives("web_service", { protect_system: "strict" })).ProtectSystem,
    "strict",
  );
});

Deno.test("sandbox path overrides add ReadWritePaths, ReadOnlyPaths, InaccessiblePaths", () => {
  const map = asMap(sandboxDirectives("strict_web", {
    read_write_paths: ["/srv/app", "/var/lib/app"],
    readOnlyPaths: ["/etc/app"],
    inaccessible_paths: ["/home"],
  }));
  assert.equal(map.ReadWritePaths, "/srv/app /var/lib/app");
  assert.equal(map.ReadOnlyPaths, "/etc/app");
  assert.equal(map.InaccessiblePaths, "/home");
});

Deno.test("an unknown sandbox profile names it and the known ones", () => {
  assert.throws(() => sandboxDirectives("paranoid"), /"paranoid".*web_service/);
});

Deno.test("resource profiles have the values semantics.md pins", () => {
  const pinned: Record<string, [string, string, string]> = {
    small: ["512M", "50%", "128"],
    medium: ["1G", "100%", "256"],
    large: ["2G", "200%", "512"],
    vibe_dev: ["2G", "150%", "512"],
    strict_app: ["512M", "50%", "128"],
    untrusted: ["1G", "100%", "256"],
  };
  for (const [profile, [memory, cpu, tasks]] of Object.entries(pinned)) {
    assert.deepEqual(
      resourceDirectives(profile),
      [["MemoryMax", memory], ["CPUQuota", cpu], ["TasksMax", tasks]],
      profile,
    );
  }
  assert.deepEqual(Object.keys(RESOURCE_PROFILES).sort(), Object.keys(pinned).sort());
});

Deno.test("resource overrides and explicit limits", () => {
  assert.deepEqual(resourceDirectives("small", { memoryMax: "256M" }), [
    ["MemoryMax", "256M"],
    ["CPUQuota", "50%"],
    ["TasksMax", "128"],
  ]);
  assert.deepEqual(resourceDirectives(undefined, { cpuQuota: "25%" }), [["CPUQuota", "25%"]]);
  assert.deepEqual(resourceDirectives(undefined), []);
  assert.throws(() => resourceDirectives("huge"), /"huge".*small/);
});

Deno.test("directiveName turns any spelling into the systemd key", () => {
  const cases: Record<string, string> = {
    private_network: "PrivateNetwork",
    privateNetwork: "PrivateNetwork",
    PrivateNetwork: "PrivateNetwork",
    read_write_paths: "ReadWritePaths",
    restrict_suid_sgid: "RestrictSUIDSGID",
    restrictSuidSgid: "RestrictSUIDSGID",
    remove_ipc: "RemoveIPC",
    cpu_quota: "CPUQuota",
    cpuWeight: "CPUWeight",
    io_weight: "IOWeight",
    ip_address_allow: "IPAddressAllow",
    ipAddressDeny: "IPAddressDeny",
    memory_max: "MemoryMax",
    tasks_max: "TasksMax",
    LimitNOFILE: "LimitNOFILE",
    system_call_filter: "SystemCallFilter",
    no_new_privileges: "NoNewPrivileges",
  };
  for (const [input, key] of Object.entries(cases)) assert.equal(directiveName(input), key, input);
});

Deno.test("directiveName knows systemd keys with upper-case words (LimitNOFILE, OOMScoreAdjust, UMask)", () => {
  const cases: Record<string, string> = {
    limit_nofile: "LimitNOFILE",
    limitNproc: "LimitNPROC",
    limit_memlock: "LimitMEMLOCK",
    limit_rtprio: "LimitRTPRIO",
    limit_as: "LimitAS",
    nice: "Nice",
    limit_nice: "LimitNICE",
    start_limit_burst: "StartLimitBurst",
    oom_score_adjust: "OOMScoreAdjust",
    oomPolicy: "OOMPolicy",
    managed_oom_swap: "ManagedOOMSwap",
    umask: "UMask",
    tty_path: "TTYPath",
    tty_vhangup: "TTYVHangup",
    tty_vt_disallocate: "TTYVTDisallocate",
    numa_policy: "NUMAPolicy",
    selinux_context: "SELinuxContext",
    pam_name: "PAMName",
    pid_file: "PIDFile",
    guess_main_pid: "GuessMainPID",
    ignore_sigpipe: "IgnoreSIGPIPE",
    send_sighup: "SendSIGHUP",
    mount_api_vfs: "MountAPIVFS",
    bind_ipv6_only: "BindIPv6Only",
    allowed_cpus: "AllowedCPUs",
    io_read_iops_max: "IOReadIOPSMax",
    timer_slack_nsec: "TimerSlackNSec",
    condition_ac_power: "ConditionACPower",
    bpf_program: "BPFProgram",
  };
  for (const [input, key] of Object.entries(cases)) assert.equal(directiveName(input), key, input);
});

const SYSTEMD = ["/usr/lib/systemd/systemd", "/lib/systemd/systemd"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
});

Deno.test({
  name: "directiveName keeps every key systemd knows, and its snake_case spelling maps back",
  ignore: !SYSTEMD,
  async fn() {
    const output = await new Deno.Command(SYSTEMD!, { args: ["--dump-configuration-items"] })
      .output();
    const keys = new Set(
      new TextDecoder().decode(output.stdout).split("\n").filter((l) => l.includes("="))
        .map((l) => l.slice(0, l.indexOf("="))),
    );
    assert.ok(keys.has("LimitNOFILE") && keys.size > 300, `${keys.size} keys`);
    for (const key of keys) {
      assert.equal(directiveName(key), key);
      // Acronyms followed by a capitalized word split where the capitals end: OOM_Score.
      const snake = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2").toLowerCase();
      // Mixed-case words the split above cannot find are covered by the table test.
      if (/CPUs|SUIDSGID|SELinux|TTYV/.test(key)) continue;
      assert.equal(directiveName(snake), key, snake);
    }
  },
});

Deno.test("directiveValue: booleans as yes/no, lists space-separated", () => {
  assert.equal(directiveValue(true), "yes");
  assert.equal(directiveValue(false), "no");
  assert.equal(directiveValue(["a", "b"]), "a b");
  assert.equal(directiveValue(65536), "65536");
  assert.equal(directiveValue("x"), "x");
});

Deno.test("directiveValue quotes list items with spaces, quotes or backslashes", () => {
  assert.equal(directiveValue(["/srv/my app", "/var/lib/app"]), '"/srv/my app" /var/lib/app');
  assert.equal(directiveValue(['a"b', "c\\d", "it's", ""]), '"a\\"b" "c\\\\d" "it\'s" ""');
  assert.equal(directiveValue("50%"), "50%", "raw strings keep their specifiers");
});

Deno.test("quoteListItem and splitListValue round-trip any list", () => {
  const lists = [
    ["/srv/my app", "/var/lib/app"],
    ['/etc/say "hi"', "/etc/it's", "/srv/back\\slash", "tab\tx", ""],
    ["-/srv/opt ional", "+/plain"],
  ];
  for (const list of lists) {
    assert.deepEqual(splitListValue(list.map(quoteListItem).join(" ")), list);
  }
  assert.deepEqual(splitListValue("  a   'b c'd \\ e "), ["a", "b cd", " e"]);
  assert.equal(escapeSpecifiers("50% %n"), "50%% %%n");
  assert.equal(pathList(["/srv/50% off"]), '"/srv/50%% off"');
});

Deno.test("directivePaths reads back the literal paths of path directives", () => {
  assert.deepEqual(directivePaths("WorkingDirectory", "-/srv/my app"), ["/srv/my app"]);
  assert.deepEqual(
    directivePaths("ReadWritePaths", pathList(["/srv/my app", "-/srv/50%", "+/x"])),
    ["/srv/my app", "/srv/50%", "/x"],
  );
  assert.deepEqual(directivePaths("ReadOnlyPaths", '"/etc/a b"'), ["/etc/a b"]);
  assert.deepEqual(directivePaths("ExecStart", "/usr/bin/app /srv"), []);
});
