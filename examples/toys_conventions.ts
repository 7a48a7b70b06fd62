// Project-local conventions for the toys project: the reference's `ToysInfra`
// ProjectDSL module. Roots and prefixes are declared once here, and `toyService`
// is a service template whose helpers (the reference's let/path/macro) are typed,
// so an editor completes them and `deno check` rejects misuse.
//
// Use it by importing it from a config (see toys_infra.ts), or pass it with
// `--require examples/toys_conventions.ts` to give any config these roots and prefixes.
import { conventions } from "hostkit";

export const toys = conventions({
  roots: {
    source: "/opt/toys/src",
    data: "/srv/toys",
    state: "/var/lib/toys",
    config: "/etc/toys",
  },
  prefixes: { user: "toys-", unit: "toys-" },
});

export const toyService = toys.defservice((s) => {
  // let: values computed from the service's name and the prefixes
  // (identities are hyphenated: a service "hex_mirror" runs as toys-hex-mirror).
  const serviceUser = s.serviceUser();
  const unitName = s.unitName();

  // path: a directory per root, named after the service.
  const statePath = (...parts: string[]) => s.rootPath("state", ...parts);

  return {
    serviceUser,
    unitName,
    sourceDir: s.rootPath("source"),
    dataDir: s.rootPath("data"),
    stateDir: statePath(),
    configDir: s.rootPath("config"),
    statePath,

    // macro: a reusable block of declarations.
    standardUser(): void {
      s.account(serviceUser, { system: true, home: statePath("home") });
    },
  };
});

// The default export makes `--require` apply these roots and prefixes.
export default toys;
