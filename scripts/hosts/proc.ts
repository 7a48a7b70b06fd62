/**
 * Process helpers for the test-host scripts: timestamped logging, running a command to
 * completion, and finding processes through /proc (the scripts keep no pid files, so a lost
 * state directory never leaves an orphan that teardown cannot see).
 *
 * @module
 */

/** What a finished command produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode run}. */
export interface RunOptions {
  /** Text written to the command's stdin (closed afterwards); stdin is empty otherwise. */
  stdin?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Kills the command when aborted. */
  signal?: AbortSignal;
  /** Resolve with the result instead of throwing when the exit code is not 0. */
  allowFail?: boolean;
}

/**
 * Writes one line `[HH:MM:SS.mmm] scope: message` to stderr.
 *
 * @example
 * ```ts
 * log("nspawn", "bridge br-hk up");
 * ```
 */
export function log(scope: string, message: string): void {
  const time = new Date().toISOString().slice(11, 23);
  console.error(`[${time}] ${scope}: ${message}`);
}

/**
 * Runs `cmd args…` to completion and returns its exit code and output.
 * Throws, naming the command and quoting the end of its stderr, when it fails
 * (unless `allowFail`) or cannot be started.
 *
 * @example
 * ```ts
 * const { stdout } = await run("ip", ["-br", "link"]);
 * ```
 */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: opts.env,
    signal: opts.signal,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(opts.stdin)).catch(() => {});
    await writer.close().catch(() => {});
  }
  const out = await child.output();
  const result = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if (result.code !== 0 && !opts.allowFail) {
    const tail = result.stderr.trim().split("\n").slice(-5).join("\n");
    throw new Error(`${cmd} ${args.join(" ").slice(0, 200)}: exit ${result.code}\n${tail}`);
  }
  return result;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Whether an executable named `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if ((Deno.statSync(`${dir}/${cmd}`).mode ?? 0) & 0o111) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** A process seen in /proc. */
export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Short name (`/proc/PID/comm`). */
  comm: string;
  argv: string[];
}

/** Every live (non-zombie) process, read from /proc. */
export function processes(): ProcInfo[] {
  const found: ProcInfo[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      // "PID (comm) STATE PPID …": comm may contain spaces and parentheses
      const close = stat.lastIndexOf(")");
      const [state, ppid] = stat.slice(close + 2).split(" ");
      if (state === "Z" || state === "X") continue;
      const argv = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).split("\0");
      argv.pop();
      found.push({
        pid: Number(entry.name),
        ppid: Number(ppid),
        comm: stat.slice(stat.indexOf("(") + 1, close),
        argv,
      });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Whether `pid` is a live (non-zombie) process. */
export function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/**
 * Stops `pid` the robust way: SIGTERM, wait up to `graceMs`, SIGTERM again (systemd-nspawn
 * ignores a poweroff requested while its container is still booting, the second one forces
 * it), wait 3 s, then SIGKILL. Resolves once the process is gone.
 */
export async function terminate(pid: number, graceMs = 5000): Promise<void> {
  const waitGone = async (ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end;) {
      if (!alive(pid)) return true;
      await sleep(100);
    }
    return !alive(pid);
  };
  for (
    const [signal, ms] of [["SIGTERM", graceMs], ["SIGTERM", 3000], ["SIGKILL", 3000]] as const
  ) {
    try {
      Deno.kill(pid, signal);
    } catch {
      return; // already gone
    }
    if (await waitGone(ms)) return;
  }
  throw new Error(`process ${pid} survived SIGKILL`);
}

/**
 * Waits (up to `ms`) until the ended processes `pids` have left the process table. A zombie
 * lingers until its parent reaps it; once the process that started it has exited, that is
 * PID 1, which may reap only every few seconds.
 */
export async function awaitReaped(pids: number[], ms = 3000): Promise<void> {
  const listed = (pid: number) => {
    try {
      Deno.statSync(`/proc/${pid}`);
      return true;
    } catch {
      return false;
    }
  };
  for (const end = Date.now() + ms; Date.now() < end && pids.some(listed);) await sleep(100);
}

/**
 * Starts `cmd args…` in its own session, detached from this process, with stdout and stderr
 * appended to `logFile`, and returns its pid. It keeps running after this process exits and
 * does not receive the terminal's Ctrl-C.
 */
export function spawnDetached(cmd: string, args: string[], logFile: string): number {
  const child = new Deno.Command("sh", {
    // exec keeps the pid: the returned pid is the daemon's own
    args: ["-c", 'exec "$@" >>"$HOSTKIT_LOG" 2>&1 </dev/null', "sh", cmd, ...args],
    env: { HOSTKIT_LOG: logFile },
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  child.status.catch(() => {}); // reaps it if it ends while we run: no zombie left behind
  return child.pid;
}
