// Hosts for remote runs, with their SSH settings. Passwords are secret
// references: the value is read from the controller's environment only when
// connecting, and never appears in a plan.
//
//   HOSTKIT_SSH_PASSWORD='…' hostkit plan examples/integration_hosts.example.ts --host prod
import { project, secretEnv } from "hostkit";

export default project("infra", (p) => {
  p.host("prod", (h) => {
    h.hostname("host.example");
    h.user("root");
    h.sudo(true);
    h.ssh({
      // `~` is the controller user's home, expanded when connecting.
      identityFile: "~/.ssh/id_ed25519",
      password: secretEnv("HOSTKIT_SSH_PASSWORD"),
      silentlyAcceptHosts: true,
    });
  });

  // The same settings written inline, with a sudo password and host-key trust on first use.
  p.host("staging", {
    hostname: "10.44.0.12",
    user: "deploy",
    sudo: true,
    ssh: {
      port: 2222,
      identityFile: "~/.ssh/id_ed25519",
      sudoPassword: secretEnv("HOSTKIT_SUDO_PASSWORD"),
      acceptNewHostKeys: true,
      connectTimeoutMs: 5000,
      retry: { attempts: 5, baseDelayMs: 200, maxDelayMs: 2000 },
    },
  });

  // Something small to plan and apply on a test host.
  p.directory("/var/lib/hostkit-integration", { mode: "public_dir" });
  p.file("/var/lib/hostkit-integration/hello.txt", {
    content: "written by hostkit\n",
    mode: "public_file",
  });
});
