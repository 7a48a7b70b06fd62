// Observability and isolation: named listeners, a loopback-only network
// policy, log and telemetry intent, monitors, sandbox and resource profiles,
// and a systemd timer.
//
//   hostkit render examples/observability.ts systemd_service toys-web.service
import { project } from "hostkit";

export default project("toys", (p) => {
  p.roots({ state: "/var/lib/toys" });
  p.prefixes({ user: "toys-", unit: "toys-" });

  // Project-wide defaults that every service inherits.
  p.observability((o) => {
    o.logs({
      driver: "journald",
      retention: "14d",
      ship: true,
      attributes: { deployment_environment: "prod" },
    });
    o.telemetry({
      logs: true,
      metrics: true,
      traces: false,
      attributes: { deployment_environment: "prod" },
    });
  });

  p.service("web", (s) => {
    s.account(s.serviceUser(), { system: true, home: s.rootPath("state", "home") });
    s.daemon(s.unitName(), (d) => {
      d.run({ user: s.serviceUser(), execStart: ["/usr/bin/env", "true"] });
      d.listen("http", { port: 3000, on: "loopback" });
      d.listen(4000, { on: [127, 0, 0, 1] });
      d.networkPolicy({ deny: "all", allow: ["loopback", [10, 44, 0, 0, 24]] });
      d.logs({ identifier: s.serviceName(), stdout: "journal", stderr: "journal" });
      d.telemetry({ logs: "journald", metrics: false, serviceName: s.serviceName() });
      d.monitor("systemd", { expect: { state: "active" }, severity: "critical" });
      d.monitor("http", { url: "http://127.0.0.1:3000/health", expect: { status: 200 } });
      d.hardening("strict_web", { readWritePaths: [s.rootPath("state")] });
      d.resources("small");
      d.wantedBy("multi_user");
    });
  });

  // A development sandbox: the vibe_dev profile brings its resource limits along.
  p.service("preview", (s) => {
    s.daemon(s.unitName(), (d) => {
      d.run({ execStart: ["/usr/bin/env", "true"] });
      d.listen("http", { port: 4100, on: "loopback" });
      d.sandbox("vibe_dev");
    });
  });

  // Untrusted code, with the profile's limits and isolation overridden.
  p.service("runner", (s) => {
    s.daemon(s.unitName(), (d) => {
      d.run({ execStart: ["/usr/bin/env", "true"] });
      d.sandbox("untrusted", {
        resources: { memoryMax: "256M" },
        sandbox: { privateNetwork: false },
      });
    });
  });

  // A nightly job: a oneshot service and the timer that starts it.
  p.service("reports", (s) => {
    s.job((d) => {
      d.description("Nightly reports");
      d.run({ type: "oneshot", execStart: ["/usr/bin/env", "true"] });
      d.hardening("strict_web");
      d.resources("medium", { cpuQuota: "80%" });
      d.monitor("systemd", { expect: { result: "success" } });
    });
    // The service's own timer (toys-reports.timer), starting toys-reports.service.
    s.schedule((t) => {
      t.description("Nightly reports");
      t.daily({ at: "03:00" });
      t.jitter("15m");
      t.persistent();
    });
  });
});
