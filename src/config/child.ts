/**
 * The sandbox's child process: transpiles and evaluates config modules and
 * answers the plain ProjectSpec. It runs with no Deno permissions (`deno run`
 * without `--allow-*`; a compiled binary revokes its own), a cleared
 * environment, an empty working directory, a V8 heap limit and a data-size
 * rlimit, and `--disallow-code-generation-from-strings` where flags can be
 * given. Its stdin and stdout are the loader's channel (one JSON message a
 * line); configs see neither: before any config code runs, the channel is
 * captured here and every way to reach the controller's facts is removed.
 *
 * Protocol: child `up` → loader `start` → child `ready` → child `read` /
 * loader `file` (repeated; the loader decides what may be read) and a child
 * `module` for each module transpiled → child `done`. When `start` carries
 * every module (the loader's cache), there are no reads and the transpiler is
 * never loaded.
 *
 * @module
 */
import * as dsl from "../dsl/mod.ts";
import { setOriginMapper } from "../dsl/origin.ts";
import { ProjectError, setDefaultConventions } from "../dsl/project.ts";
import { ConfigError } from "./error.ts";
import { DSL_SPECIFIER, type ModuleSource, readGraph } from "./graph.ts";
import type { ChildMessage, ChildResponse, LoaderMessage } from "./protocol.ts";
import { readsImportMeta, watchRepeatability } from "./repeatable.ts";

const IMPORT_HOOK = "__hostkitImport";

/** A refusal raised where a config reaches for something it may not have. */
class Refused extends Error {}

function refuser(message: string): () => never {
  return () => {
    throw new Refused(message);
  };
}

function hide(target: object, name: PropertyKey, what: string): void {
  Object.defineProperty(target, name, {
    configurable: false,
    enumerable: false,
    get: refuser(
      `configs cannot see the controller's ${what}: a config declares data; ` +
        "use secretEnv(...) for secrets and file sources for files",
    ),
  });
}

function exitRefusal(call: string): () => never {
  return refuser(
    `configs cannot exit (${call} was called): a config ends by exporting its project ` +
      "(`export default project(...)`); throw an Error to stop with a message",
  );
}

/** Code generation from strings throws even where V8's flag could not be given (compiled). */
function refuseCodeGeneration(): void {
  const message = "configs cannot evaluate strings as code (eval, Function constructors, " +
    "string timers)";
  const trap = <T extends object>(target: T): T =>
    new Proxy(target, { apply: refuser(message), construct: refuser(message) });
  const g = globalThis as Record<string, unknown>;
  g.eval = trap(globalThis.eval);
  const constructors = [
    Function,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ] as FunctionConstructor[];
  for (const constructor of constructors) {
    Object.defineProperty(constructor.prototype, "constructor", {
      value: trap(constructor),
      writable: false,
      configurable: false,
    });
  }
  g.Function = trap(Function);
}

/** Removes from the config's reach what belongs to the controller or outlives the run. */
function lockDown(log: (text: string) => void): void {
  for (const name of ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const) {
    try {
      Deno.permissions.revokeSync({ name } as Deno.PermissionDescriptor);
    } catch { /* a permission this runtime does not know */ }
  }
  const denoNs = Deno as unknown as Record<PropertyKey, unknown>;
  delete denoNs[denoNs.internal as symbol];
  for (const name of ["stdin", "stdout", "stderr"]) hide(Deno, name, `${name} (Deno.${name})`);
  hide(Deno, "pid", "process id (Deno.pid)");
  hide(Deno, "ppid", "process id (Deno.ppid)");
  hide(Deno, "mainModule", "main module (Deno.mainModule)");
  // alert, confirm and prompt talk to stdin and stdout: the loader's channel here.
  for (const name of ["alert", "confirm", "prompt"]) hide(globalThis, name, `terminal (${name})`);
  hide(Deno, "args", "arguments (Deno.args)");
  for (const name of ["cwd", "execPath", "chdir"]) {
    hide(Deno, name, `${name === "execPath" ? "executable" : "working directory"} (Deno.${name})`);
  }
  const permissions = Deno.permissions as unknown as Record<string, unknown>;
  permissions.request = refuser("configs cannot ask for permissions");
  permissions.requestSync = refuser("configs cannot ask for permissions");
  Object.defineProperty(Deno, "exit", { value: exitRefusal("Deno.exit()"), configurable: false });
  const g = globalThis as Record<string, unknown>;
  Object.defineProperty(globalThis, "close", {
    value: exitRefusal("self.close()"),
    configurable: false,
  });
  // The node global: only a refusing exit() and hidden facts remain.
  const nodeProcess = { exit: exitRefusal("process.exit()") };
  for (const name of ["argv", "env", "cwd", "pid", "ppid", "stdin", "stdout", "stderr"]) {
    hide(nodeProcess, name, `${name} (process.${name})`);
  }
  hide(nodeProcess, "execPath", "executable (process.execPath)");
  Object.defineProperty(globalThis, "process", { value: Object.freeze(nodeProcess) });
  // Storage that would outlive the run, and module loading by other routes.
  for (
    const name of [
      "caches",
      "CacheStorage",
      "Cache",
      "localStorage",
      "sessionStorage",
      "Storage",
      "indexedDB",
      "Worker",
    ]
  ) {
    delete g[name];
  }
  const inspect = Deno.inspect;
  const format = (args: unknown[]) =>
    args.map((a) => typeof a === "string" ? a : inspect(a, { colors: false })).join(" ");
  const quiet = () => {};
  const printer = (...args: unknown[]) => log(format(args));
  const consoleObject: Record<string, unknown> = {};
  for (const name of Object.keys(console)) consoleObject[name] = quiet;
  for (const name of ["log", "info", "warn", "error", "debug", "trace"]) {
    consoleObject[name] = printer;
  }
  Object.defineProperty(globalThis, "console", { value: consoleObject, configurable: false });
  refuseCodeGeneration();
}

function blobUrl(code: string): string {
  return URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
}

/** Builds each module's blob URL, static specifiers and `import(` rewritten. */
function link(modules: ModuleSource[]): Map<string, string> {
  const DSL_GLOBAL = "__hostkitDsl";
  Object.defineProperty(globalThis, DSL_GLOBAL, { value: dsl });
  const dslModule = Object.keys(dsl)
    .map((name) => `export const ${name} = globalThis.${DSL_GLOBAL}.${name};`)
    .join("\n");
  const urls = new Map<string, string>([[DSL_SPECIFIER, blobUrl(dslModule)]]);
  modules.forEach((module, index) => {
    const edits = [
      ...module.imports.map((s) => ({ ...s, text: urls.get(s.target)! })),
      ...module.dynamic.map((d) => {
        // Keep line breaks inside `import (`: errors point at the user's lines.
        const breaks = module.code.slice(d.start, d.end).replace(/[^\n]/g, "");
        return { ...d, text: `${IMPORT_HOOK}(${index},${breaks}` };
      }),
    ].sort((a, b) => b.start - a.start);
    let code = module.code;
    for (const edit of edits) code = code.slice(0, edit.start) + edit.text + code.slice(edit.end);
    urls.set(module.path, blobUrl(code));
  });
  return urls;
}

/** `import(x)` in a config: only specifiers the linker resolved in that module load. */
function installImportHook(modules: ModuleSource[], urls: Map<string, string>): void {
  const hook = (index: number, specifier: unknown) => {
    const module = modules[index];
    const target = typeof specifier === "string"
      ? Object.hasOwn(module.resolved, specifier) ? module.resolved[specifier] : undefined
      : undefined;
    if (target === undefined) {
      return Promise.reject(
        new Refused(
          `cannot import(${
            typeof specifier === "string" ? JSON.stringify(specifier) : typeof specifier
          }): a config may import only "hostkit" and relative files written as string literals`,
        ),
      );
    }
    return import(urls.get(target)!);
  };
  Object.defineProperty(globalThis, IMPORT_HOOK, { value: hook });
}

function describe(error: unknown, pathOf: Map<string, string>): ChildResponse {
  if ((error instanceof ProjectError && error.origin) || error instanceof ConfigError) {
    return {
      ok: false,
      message: error.message.replace(`${error.origin}: `, ""),
      origin: error.origin,
    };
  }
  const err = error instanceof Error ? error : new Error(String(error));
  let stack = err.stack ?? String(err);
  for (const [url, path] of pathOf) stack = stack.replaceAll(url, path);
  const frame = /(\/[^\s():]+):(\d+):\d+\)?$/m.exec(
    stack.split("\n").slice(1).find((l) => [...pathOf.values()].some((p) => l.includes(p))) ?? "",
  );
  const origin = frame ? `${frame[1]}:${frame[2]}` : undefined;
  if (err instanceof Refused || err instanceof ProjectError) {
    return { ok: false, origin, message: err.message };
  }
  if (err instanceof EvalError || /Code generation from strings/.test(err.message)) {
    return {
      ok: false,
      origin,
      message: "configs cannot evaluate strings as code (eval, Function constructors)",
    };
  }
  if (
    err instanceof RangeError && /allocation failed|Invalid array buffer length/.test(err.message)
  ) {
    return { ok: false, origin, message: `the config ran out of memory (${err.message})` };
  }
  const sandbox = err.name === "NotCapable" || /Requires \w+ access/.test(err.message);
  if (sandbox) {
    return {
      ok: false,
      origin,
      message: `the config tried to touch the host (${err.message.split("\n")[0]}). ` +
        `Configs run with no permissions; use secretEnv(...) for secrets and file sources for files.`,
    };
  }
  return { ok: false, origin, message: `${err.name}: ${err.message}` };
}

/** Reads the channel one JSON line at a time. */
function channel(stdin: ReadableStream<Uint8Array>) {
  const reader = stdin.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  return async (): Promise<LoaderMessage> => {
    for (;;) {
      const end = buffer.indexOf("\n");
      if (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        return JSON.parse(line);
      }
      const { value, done } = await reader.read();
      if (done) throw new Error("the loader closed the channel");
      buffer += value;
    }
  };
}

/**
 * Runs the child: the loader started this process and talks to it over stdio.
 *
 * @example
 * ```ts
 * import { serveChild } from "./child.ts";
 * await serveChild(); // in the process the loader spawned
 * ```
 */
export async function serveChild(): Promise<void> {
  const stdout = Deno.stdout;
  const writeSync = stdout.writeSync.bind(stdout);
  const encoder = new TextEncoder();
  const stringify = JSON.stringify;
  const send = (message: ChildMessage) => {
    const bytes = encoder.encode(stringify(message) + "\n");
    for (let off = 0; off < bytes.length;) off += writeSync(bytes.subarray(off));
  };
  const next = channel(Deno.stdin.readable);
  const exit = Deno.exit;
  send({ type: "up" });
  const start = await next();
  if (start.type !== "start") throw new Error("expected start");
  const { entry, requires } = start;
  // Before the lock-down: afterwards nothing may reach the module loader.
  const transpiler = start.modules ? undefined : await import("./transpiler.ts");
  await transpiler?.ready;
  lockDown((text) => send({ type: "log", text }));
  send({ type: "ready" });
  let response: ChildResponse;
  let pathOf = new Map<string, string>();
  try {
    const modules = start.modules ?? await readGraph([...requires, entry], async (path, from) => {
      send({ type: "read", path, ...(from ? { from } : {}) });
      const file = await next();
      if (file.type !== "file" || file.path !== path) throw new Error("unexpected message");
      return file.text;
    }, transpiler!);
    // Before any code of the config runs: what the loader caches is the transpiler's own work.
    if (!start.modules) { for (const module of modules) send({ type: "module", module }); }
    const urls = link(modules);
    installImportHook(modules, urls);
    pathOf = new Map([...urls].filter(([p]) => p !== DSL_SPECIFIER).map(([p, u]) => [u, p]));
    setOriginMapper((url) => pathOf.get(url));
    // From here on config code runs: what it reads of clocks and chance decides whether the
    // loader may keep this answer for the same modules next time.
    const unchanging = watchRepeatability();
    for (const path of requires) {
      const required = await import(urls.get(path)!);
      if (dsl.isConventions(required.default)) setDefaultConventions(required.default);
    }
    const config = await import(urls.get(entry)!);
    const spec = config.default;
    response = spec === undefined
      ? {
        ok: false,
        origin: `${entry}:1`,
        message: "the config has no default export: end it with `export default project(...)`",
      }
      : {
        ok: true,
        spec: JSON.parse(stringify(spec)),
        repeatable: unchanging() && !modules.some((module) => readsImportMeta(module.code)),
      };
  } catch (error) {
    response = describe(error, pathOf);
  }
  send({ type: "done", response });
  exit(0);
}

if (import.meta.main) await serveChild();
