/**
 * Loads a config: a child process (see child.ts) transpiles and evaluates its
 * modules with no permissions under a heap and data limit; this side reads
 * only the files the source policy allows, enforces the time limit from the
 * moment the child is ready, and validates the result.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { HostkitError } from "../errors.ts";
import type { ProjectSpec } from "../model/project.ts";
import { visible } from "../text/visible.ts";
import { ConfigError } from "./error.ts";
import { DSL_SPECIFIER, type ModuleSource } from "./graph.ts";
import { cacheRoot } from "./cache_dir.ts";
import { type ModuleCache, moduleCache } from "./module_cache.ts";
import { type EvaluationKey, type ResultCache, resultCache } from "./result_cache.ts";
import { CHILD_SUBCOMMAND, type ChildMessage, type ChildResponse } from "./protocol.ts";
import { MODULE_LIMIT, projectRootOf, SourcePolicy, SourceRefused } from "./sources.ts";

/** Options of {@link load}. */
export interface LoadOptions {
  /** Modules evaluated before the config (e.g. project-local conventions). */
  require?: string[];
  /** Give up after this long (default 10 s), counted from when the sandbox is ready. */
  timeoutMs?: number;
  /** The config's JS heap limit in MB (default 512); see README "Loading configs". */
  memoryLimitMb?: number;
  /** More directories modules and file sources may be read from, besides the project's. */
  sourceRoots?: string[];
  /** Where the config's console output goes (default: stderr, made visible). */
  onLog?: (text: string) => void;
  /** Transpiled modules kept between runs (default: the user's cache dir; see module_cache.ts). */
  cache?: ModuleCache;
  /**
   * Evaluated configs kept between runs (default: the user's cache dir; see result_cache.ts);
   * `false` evaluates every time.
   */
  results?: ResultCache | false;
}

/** The config did not finish in time. */
export class ConfigTimeoutError extends ConfigError {}

/** Longest timer a runtime holds (setTimeout takes a signed 32-bit delay). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Default heap limit of a config (MB). */
export const DEFAULT_MEMORY_MB = 512;
/**
 * Writable memory the runtime itself reserves before any config runs (measured
 * ~570 MB of RLIMIT_DATA on Deno 2.9.6), allowed on top of the config's limit.
 */
export const RUNTIME_ALLOWANCE_MB = 1024;
/** How long the child may take to start; not the config's time (a busy machine is slow). */
const START_LIMIT_MS = 120_000;
/** Longest message line the child may send (bytes). */
const LINE_LIMIT = 64 * 1024 * 1024;

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}

/**
 * The child's DENO_DIR: a V8 code cache of its own. The child runs with a V8 flag the CLI does
 * not have (--disallow-code-generation-from-strings), and V8 refuses code cached under other
 * flags: in one shared directory both processes recompiled and rewrote the modules they share
 * (zod, the model) on every run, ~30 ms each.
 */
function childDenoDir(): string | undefined {
  const root = cacheRoot();
  if (root !== undefined) return join(root, "sandbox-deno");
  try {
    return Deno.env.get("DENO_DIR");
  } catch { /* no env permission: the child finds its own */ }
}

/** The command that starts the child: hostkit's own binary, or `deno run` on child.ts. */
function childCommand(memoryMb: number): string[] {
  if (Deno.build.standalone) return [Deno.execPath(), CHILD_SUBCOMMAND];
  const config = new URL("../../deno.json", import.meta.url);
  const configFlags = config.protocol === "file:"
    ? ["--config", decodeURIComponent(config.pathname)]
    : [];
  return [
    Deno.execPath(),
    "run",
    "--no-prompt",
    "--quiet",
    "--frozen",
    "--cached-only",
    ...configFlags,
    `--v8-flags=--max-old-space-size=${memoryMb},--disallow-code-generation-from-strings`,
    new URL("./child.ts", import.meta.url).href,
  ];
}

/** Splits a byte stream into lines, refusing lines longer than the limit. */
async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
    }
    if (buffer.length > LINE_LIMIT) throw new Error("a message from the sandbox is too long");
  }
}

/**
 * Loads a config file and returns its validated ProjectSpec. Never touches a host.
 *
 * The config runs in a child process, so the caller needs `--allow-run` (for
 * `/bin/sh` and this Deno executable) and `--allow-read`; without them `load`
 * refuses with a usage error instead of running the config with less isolation.
 *
 * @example
 * ```ts
 * import { load } from "./load.ts";
 * const project = await load("infra/config.ts", { require: ["infra/toys_infra.ts"] });
 * console.log(project.resources.length);
 * ```
 */
export async function load(path: string, options: LoadOptions = {}): Promise<ProjectSpec> {
  const entry = resolve(path);
  const requires = (options.require ?? []).map((p) => resolve(p));
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new HostkitError(
      "usage",
      `the config time limit must be between 1 ms and ${MAX_TIMEOUT_MS} ms, got ${timeoutMs}`,
    );
  }
  const memoryMb = Math.round(options.memoryLimitMb ?? DEFAULT_MEMORY_MB);
  if (!(memoryMb >= 16 && memoryMb <= 1024 * 1024)) {
    throw new HostkitError(
      "usage",
      `the config memory limit must be 16 MB or more, got ${memoryMb}`,
    );
  }
  if (!granted({ name: "run", command: "/bin/sh" }) || !granted({ name: "read" })) {
    throw new HostkitError(
      "usage",
      "load() evaluates configs in a child process: run the calling program with " +
        `--allow-run=/bin/sh,${Deno.execPath()} and --allow-read (hostkit has no weaker mode)`,
    );
  }
  // --require files are the operator's choice: their projects are readable too.
  const policy = new SourcePolicy([
    ...[entry, ...requires].map(projectRootOf),
    ...(options.sourceRoots ?? []),
  ]);
  const onLog = options.onLog ??
    ((text: string) => console.error(`config: ${visible(text)}`));
  // The schema (zod) loads here while the child starts, or while the cached answer is read.
  const validation = import("./validate.ts");
  // Each module is read once: the text the result cache compares, the module cache looks up,
  // the child is served and its transpiled module is cached under are the same.
  const served = new Map<string, string>();
  const readModule = moduleReader(entry, requires, policy, served);
  const results = options.results === false ? undefined : options.results ?? resultCache();
  const key: EvaluationKey = { entry, requires, roots: policy.roots, memoryMb, timeoutMs };
  const kept = await results?.get(key, readModule);
  if (kept) {
    const spec = await validated(validation, kept.spec, entry);
    if (spec) {
      disposePrestarted(); // not needed: free its CPU for the command
      kept.logs.forEach(onLog);
      return { ...spec, sourceRoots: policy.roots };
    }
  }
  const logs: string[] = [];
  const log = (text: string) => {
    logs.push(text);
    onLog(text);
  };
  const cache = options.cache ?? moduleCache();
  const response = await evaluate(entry, requires, readModule, served, {
    timeoutMs,
    memoryMb,
    onLog: log,
    cache,
  });
  // Every failure names the config, even one no line of it can be blamed for.
  if (!response.ok) throw new ConfigError(response.message, response.origin ?? entry);
  const spec = (await validation).validateSpec(response.spec, entry);
  if (response.repeatable) await results?.put(key, served, { spec: response.spec, logs });
  // Set here, never by the config: where file sources may be read from.
  return { ...spec, sourceRoots: policy.roots };
}

/** A kept answer validated as a fresh one is; undefined (evaluate again) when it fails. */
async function validated(
  validation: Promise<typeof import("./validate.ts")>,
  spec: unknown,
  entry: string,
): Promise<ProjectSpec | undefined> {
  try {
    return (await validation).validateSpec(spec, entry);
  } catch {
    return undefined;
  }
}

interface Limits {
  timeoutMs: number;
  memoryMb: number;
  onLog: (text: string) => void;
  cache: ModuleCache;
}

/** A started child process, before it is given a config. */
interface Sandbox {
  child: Deno.ChildProcess;
  cwd: string;
  memoryMb: number;
  /** The child's stderr so far (its tail): why it died, when it dies. */
  stderr(): string;
  stderrDone: Promise<void>;
}

function spawnSandbox(memoryMb: number): Sandbox {
  const dataKb = (memoryMb + RUNTIME_ALLOWANCE_MB) * 1024;
  let cwd = "/";
  try {
    cwd = Deno.makeTempDirSync({ prefix: "hostkit-config-" });
  } catch { /* no write permission: "/" is as empty to a child without permissions */ }
  const dir = childDenoDir();
  const child = new Deno.Command("/bin/sh", {
    // ulimit -d bounds the child's writable memory: heap and off-heap buffers alike.
    args: [
      "-c",
      'ulimit -d "$1" && shift && exec "$@"',
      "sh",
      String(dataKb),
      ...childCommand(memoryMb),
    ],
    cwd,
    clearEnv: true,
    env: {
      NO_COLOR: "1",
      DENO_NO_UPDATE_CHECK: "1",
      DENO_NO_PROMPT: "1",
      ...(dir ? { DENO_DIR: dir } : {}),
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      stderr = (stderr + chunk).slice(-65536);
    }
  })().catch(() => {});
  return { child, cwd, memoryMb, stderr: () => stderr, stderrDone };
}

let prestarted: Sandbox | undefined;
/** A prestart still deciding whether it is needed (see prestartSandbox's `config`). */
let deciding: Promise<void> | undefined;

/**
 * Starts the sandbox's child process ahead of {@link load}, so the runtime
 * boots while the caller is still starting up (the CLI does this first thing).
 * A child no load() claims ends when this process does: its stdin closes.
 * Given the `config` the caller is likely to load, it starts none when that
 * config's answer is kept and still fresh (result_cache.ts): load() will not
 * need a child, and starting one would only take CPU from the caller.
 *
 * @example
 * ```ts
 * import { load, prestartSandbox } from "./load.ts";
 * prestartSandbox(undefined, "infra/config.ts");
 * const project = await load("infra/config.ts");
 * ```
 */
export function prestartSandbox(memoryMb = DEFAULT_MEMORY_MB, config?: string): void {
  if (prestarted || deciding) return;
  const start = () => {
    try {
      prestarted = spawnSandbox(memoryMb);
      prestarted.child.unref();
    } catch {
      prestarted = undefined; // load() reports what is missing
    }
  };
  if (config === undefined) return start();
  const decision = resultCache().likelyKept(resolve(config)).then((kept) => {
    if (deciding === decision && !kept) start();
  });
  deciding = decision;
}

/**
 * Ends a prestarted child no load() claimed and removes its working directory.
 *
 * @example
 * ```ts
 * import { disposePrestarted, prestartSandbox } from "./load.ts";
 * prestartSandbox();
 * disposePrestarted(); // the command turned out not to load a config
 * ```
 */
export function disposePrestarted(): void {
  deciding = undefined; // a decision still pending starts nothing now
  if (prestarted) dispose(prestarted);
  prestarted = undefined;
}

async function claimSandbox(memoryMb: number): Promise<Sandbox> {
  await deciding;
  deciding = undefined;
  const ready = prestarted;
  prestarted = undefined;
  if (ready && ready.memoryMb === memoryMb) {
    ready.child.ref();
    return ready;
  }
  if (ready) dispose(ready);
  return spawnSandbox(memoryMb);
}

function dispose(sandbox: Sandbox): void {
  try {
    sandbox.child.kill("SIGKILL");
  } catch { /* already gone */ }
  if (sandbox.cwd !== "/") {
    try {
      Deno.removeSync(sandbox.cwd, { recursive: true });
    } catch { /* gone */ }
  }
}

async function evaluate(
  entry: string,
  requires: string[],
  readModule: (path: string, from?: string) => string,
  served: Map<string, string>,
  limits: Limits,
): Promise<ChildResponse> {
  const sandbox = await claimSandbox(limits.memoryMb);
  const { child } = sandbox;
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const send = (message: unknown) => writer.write(encoder.encode(JSON.stringify(message) + "\n"));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let expired: (error: Error) => void = () => {};
  const deadline = new Promise<never>((_, reject) => (expired = reject));
  const arm = (ms: number, error: () => Error) => {
    clearTimeout(timer);
    timer = setTimeout(() => expired(error()), ms);
  };
  arm(
    START_LIMIT_MS,
    () =>
      new ConfigError(`the config sandbox did not start within ${START_LIMIT_MS / 1000} s`, entry),
  );
  // Looked up while the child starts: a config that did not change needs no transpiler.
  const cached = cachedGraph([...requires, entry], readModule, limits.cache);
  const writes: Promise<void>[] = [];
  const conversation = async (): Promise<ChildResponse | undefined> => {
    for await (const line of linesOf(child.stdout)) {
      const message = JSON.parse(line) as ChildMessage;
      if (message.type === "up") {
        const modules = await cached;
        await send({ type: "start", entry, requires, ...(modules ? { modules } : {}) });
      } else if (message.type === "module") {
        const text = served.get(message.module?.path);
        if (text !== undefined) writes.push(limits.cache.put(message.module, text));
      } else if (message.type === "ready") {
        // The config's time starts now: starting the runtime is not the config's doing.
        arm(limits.timeoutMs, () =>
          new ConfigTimeoutError(
            `evaluating the config took longer than ${limits.timeoutMs / 1000} s ` +
              "(an endless loop?); raise the limit with --timeout SECONDS",
            entry,
          ));
      } else if (message.type === "read") {
        const path = String(message.path);
        await send({ type: "file", path, text: readModule(path, message.from) });
      } else if (message.type === "log") {
        limits.onLog(String(message.text));
      } else if (message.type === "done") {
        return message.response;
      }
    }
    return undefined;
  };
  try {
    const answer = await Promise.race([conversation(), deadline]);
    if (answer) return answer;
    const status = await Promise.race([child.status, deadline]);
    await sandbox.stderrDone;
    throw crashError(entry, status, sandbox.stderr(), limits.memoryMb);
  } catch (error) {
    if (error instanceof SyntaxError) {
      throw new ConfigError("the config sandbox sent a malformed message", entry);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    dispose(sandbox);
    await child.status;
    await Promise.all(writes);
  }
}

/**
 * Reads a config module under the source policy, once (kept in `read`); a refusal is the
 * config's error.
 */
function moduleReader(
  entry: string,
  requires: string[],
  policy: SourcePolicy,
  read: Map<string, string>,
): (path: string, from?: string) => string {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  return (path, from) => {
    const known = read.get(path);
    if (known !== undefined) return known;
    try {
      // The config and --require files are the operator's choice, even when git ignores them.
      const named = path === entry || requires.includes(path);
      const text = decoder.decode(policy.read(path, MODULE_LIMIT, { ignoredToo: named }));
      read.set(path, text);
      return text;
    } catch (error) {
      const why = error instanceof SourceRefused
        ? error.reason
        : error instanceof TypeError
        ? "not UTF-8 text"
        : String(error);
      throw new ConfigError(`cannot read config module ${path}: ${why}`, from);
    }
  };
}

/**
 * Every module of the config from the cache, dependencies first (as the child's own reading
 * orders them), or undefined when any module is missing, changed or unreadable: the child then
 * reads and transpiles them all, and reports a refused read itself.
 */
async function cachedGraph(
  entries: string[],
  read: (path: string) => string,
  cache: ModuleCache,
): Promise<ModuleSource[] | undefined> {
  const seen = new Set<string>();
  const ordered: ModuleSource[] = [];
  const visit = async (path: string): Promise<boolean> => {
    if (seen.has(path)) return true;
    seen.add(path);
    let text: string;
    try {
      text = read(path);
    } catch {
      return false;
    }
    const module = await cache.get(path, text);
    if (!module) return false;
    for (const target of new Set(Object.values(module.resolved))) {
      if (target !== DSL_SPECIFIER && !await visit(target)) return false;
    }
    ordered.push(module);
    return true;
  };
  for (const entry of entries) if (!await visit(entry)) return undefined;
  return ordered;
}

function crashError(
  entry: string,
  status: Deno.CommandStatus,
  stderr: string,
  memoryMb: number,
): ConfigError {
  if (/out of memory|allocation failed|Failed to reserve/i.test(stderr)) {
    return new ConfigError(
      `the config ran out of memory (limit ${memoryMb} MB); raise it with --memory-limit MB`,
      entry,
    );
  }
  const last = stderr.trim().split("\n").at(-1) ?? "";
  return new ConfigError(
    `the config sandbox ended unexpectedly (${
      status.signal ? `signal ${status.signal}` : `exit code ${status.code}`
    })${last ? `: ${visible(last)}` : ""}`,
    entry,
  );
}
