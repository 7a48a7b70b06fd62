/**
 * A fake Repology for tests: a real HTTP server on 127.0.0.1 (port 0) answering
 * `/api/v1/project/<name>` with packages in the API's documented shape and
 * `/tools/project-by` with the redirect the real site sends; it can fail a given number of
 * times with a given status, and records what it was asked.
 *
 * @module
 */
import type { RepologyRecord } from "../../src/packages/records.ts";

/** One request the fake saw. */
export interface SeenRequest {
  path: string;
  userAgent: string | null;
}

/** Options of {@link startFakeRepology}. */
export interface FakeRepologyOptions {
  /** Project name → its packages. Unknown projects answer `[]`, as Repology does. */
  projects?: Record<string, RepologyRecord[]>;
  /** `repo/binname` → project, for `/tools/project-by`. */
  byBinary?: Record<string, string>;
  /** Listen here (default 127.0.0.1). */
  hostname?: string;
}

/** A running fake. */
export interface FakeRepology {
  url: string;
  requests: SeenRequest[];
  /** The next `times` requests answer `status` (with `Retry-After` when given). */
  failNext(status: number, times: number, retryAfter?: number): void;
  close(): Promise<void>;
}

/**
 * Starts the fake.
 *
 * @example
 * ```ts
 * const repology = startFakeRepology({ projects: { curl: DEBIAN_PROJECTS.curl } });
 * // … plan with --repology-url repology.url …
 * await repology.close();
 * ```
 */
export function startFakeRepology(options: FakeRepologyOptions = {}): FakeRepology {
  const projects = options.projects ?? REPOLOGY_PROJECTS;
  const requests: SeenRequest[] = [];
  const failures: { status: number; retryAfter?: number }[] = [];
  const server = Deno.serve({
    hostname: options.hostname ?? "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, (request) => {
    const url = new URL(request.url);
    requests.push({
      path: url.pathname + url.search,
      userAgent: request.headers.get("user-agent"),
    });
    const failure = failures.shift();
    if (failure) {
      const headers: Record<string, string> = {};
      if (failure.retryAfter !== undefined) headers["retry-after"] = String(failure.retryAfter);
      return new Response("slow down", { status: failure.status, headers });
    }
    const project = /^\/api\/v1\/project\/([^/]+)$/.exec(url.pathname);
    if (project) {
      const name = decodeURIComponent(project[1]);
      return Response.json(Object.hasOwn(projects, name) ? projects[name] : []);
    }
    if (url.pathname === "/tools/project-by") {
      const key = `${url.searchParams.get("repo")}/${url.searchParams.get("name")}`;
      const target = options.byBinary?.[key];
      if (!target) return new Response("not found", { status: 404 });
      return new Response(null, {
        status: 302,
        headers: { location: `/api/v1/project/${encodeURIComponent(target)}` },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const address = server.addr as Deno.NetAddr;
  return {
    url: `http://${address.hostname}:${address.port}`,
    requests,
    failNext(status, times, retryAfter) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfter });
    },
    close: () => server.shutdown(),
  };
}

function debian(
  repo: string,
  srcname: string,
  binnames: string[],
  version: string,
  origversion: string,
  summary: string,
): RepologyRecord {
  return {
    repo,
    subrepo: "main",
    srcname,
    binnames,
    visiblename: srcname,
    version,
    origversion,
    status: "outdated",
    summary,
  };
}

/**
 * Packages shaped like Repology's answers for a few projects (Debian 12 and others), with
 * the same field names and the same split of names (source package, binary packages).
 */
export const REPOLOGY_PROJECTS: Record<string, RepologyRecord[]> = {
  "ca-certificates": [
    debian(
      "debian_12",
      "ca-certificates",
      ["ca-certificates", "ca-certificates-udeb"],
      "20230311",
      "20230311",
      "Common CA certificates",
    ),
    {
      repo: "fedora_41",
      srcname: "ca-certificates",
      binname: "ca-certificates",
      version: "2024.2.69",
      status: "outdated",
    },
    {
      repo: "alpine_3_20",
      srcname: "ca-certificates",
      binname: "ca-certificates",
      version: "20240705",
      origversion: "20240705-r0",
      status: "newest",
    },
  ],
  openssl: [
    debian(
      "debian_12",
      "openssl",
      ["libcrypto3-udeb", "libssl-dev", "libssl-doc", "libssl3", "libssl3-udeb", "openssl"],
      "3.0.15",
      "3.0.15-1~deb12u1",
      "Secure Sockets Layer toolkit",
    ),
    {
      repo: "fedora_41",
      srcname: "openssl",
      binnames: ["openssl", "openssl-devel", "openssl-libs", "openssl-perl"],
      version: "3.2.2",
      status: "outdated",
    },
    {
      repo: "alpine_3_20",
      srcname: "openssl",
      binnames: ["libcrypto3", "libssl3", "openssl", "openssl-dev", "openssl-doc"],
      version: "3.3.2",
      status: "outdated",
    },
    { repo: "arch", srcname: "openssl", binname: "openssl", version: "3.4.0", status: "newest" },
  ],
  gcc: [
    debian(
      "debian_12",
      "gcc-defaults",
      ["cpp", "g++", "gcc", "gfortran"],
      "12.2.0",
      "12.2.0-3",
      "GNU C compiler",
    ),
    {
      repo: "fedora_41",
      srcname: "gcc",
      binnames: ["cpp", "gcc", "gcc-c++", "gcc-gfortran"],
      version: "14.2.1",
      status: "outdated",
    },
  ],
  ncurses: [
    debian(
      "debian_12",
      "ncurses",
      [
        "lib32ncurses-dev",
        "libncurses-dev",
        "libncurses6",
        "libncursesw6",
        "ncurses-base",
        "ncurses-bin",
        "ncurses-doc",
      ],
      "6.4",
      "6.4-4",
      "shared libraries for terminal handling",
    ),
  ],
  libxslt: [
    debian(
      "debian_12",
      "libxslt",
      ["libxslt1-dev", "libxslt1.1", "xsltproc"],
      "1.1.35",
      "1.1.35-1",
      "XSLT 1.0 processing library",
    ),
    {
      repo: "fedora_41",
      srcname: "libxslt",
      visiblename: "libxslt",
      binnames: ["libxslt", "libxslt-devel", "python3-libxslt"],
      version: "1.1.42",
      status: "newest",
    },
  ],
  jq: [
    debian(
      "debian_12",
      "jq",
      ["jq", "libjq-dev", "libjq1"],
      "1.6",
      "1.6-2.1",
      "lightweight and flexible command-line JSON processor",
    ),
  ],
  "gnu-hello": [
    debian("debian_12", "hello", ["hello"], "2.10", "2.10-3", "example package based on GNU hello"),
  ],
  curl: [
    debian(
      "debian_12",
      "curl",
      ["curl", "libcurl3-gnutls", "libcurl4", "libcurl4-openssl-dev"],
      "7.88.1",
      "7.88.1-10+deb12u8",
      "command line tool for transferring data with URL syntax",
    ),
  ],
  pv: [
    debian(
      "debian_12",
      "pv",
      ["pv"],
      "1.6.20",
      "1.6.20-1",
      "Shell pipeline element to meter data passing through",
    ),
  ],
  tree: [
    debian(
      "debian_12",
      "tree",
      ["tree"],
      "2.1.0",
      "2.1.0-1",
      "displays an indented directory tree, in color",
    ),
  ],
  "sqlite": [
    debian(
      "debian_12",
      "sqlite3",
      ["lemon", "libsqlite3-0", "libsqlite3-dev", "libsqlite3-tcl", "sqlite3", "sqlite3-doc"],
      "3.40.1",
      "3.40.1-2",
      "Command line interface for SQLite 3",
    ),
  ],
  "only-in-arch": [{
    repo: "arch",
    srcname: "only-in-arch",
    binname: "only-in-arch",
    version: "1",
    status: "unique",
  }],
};

/** A clock whose `sleep` only moves time forward, recording each wait. */
export function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}
