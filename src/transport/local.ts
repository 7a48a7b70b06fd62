/**
 * The local machine as a {@link Target}: commands run through `sh -c`.
 *
 * @module
 */
import {
  collect,
  type Process,
  type RunOptions,
  type RunResult,
  type Target,
  toStream,
} from "./target.ts";

/** Options for {@link localTarget}. */
export interface LocalOptions {
  /** Run every command under `sudo -n`. */
  sudo?: boolean;
}

/**
 * A target for this machine.
 *
 * @example
 * ```ts
 * import { localTarget } from "./local.ts";
 * const target = localTarget();
 * const { code } = await target.run("test -d /etc");
 * ```
 */
export function localTarget(options: LocalOptions = {}): Target {
  const argv = options.sudo ? ["sudo", "-n", "sh", "-c"] : ["sh", "-c"];
  const spawn = (command: string, runOptions: RunOptions = {}): Process => {
    const child = new Deno.Command(argv[0], {
      args: [...argv.slice(1), command],
      stdin: runOptions.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      signal: runOptions.signal,
    }).spawn();
    if (runOptions.stdin !== undefined) {
      toStream(runOptions.stdin).pipeTo(child.stdin).catch(() => {
        // The command may exit before reading all input (e.g. `head`); its status says what happened.
      });
    }
    return {
      stdout: child.stdout,
      stderr: child.stderr,
      status: child.status.then((s) => ({ code: s.code, signal: s.signal ?? undefined })),
    };
  };
  return {
    description: options.sudo ? "local (sudo)" : "local",
    name: "local",
    sudo: options.sudo ?? false,
    spawn,
    run: (command: string, runOptions?: RunOptions): Promise<RunResult> =>
      collect(spawn(command, runOptions)),
    close: () => Promise.resolve(),
  };
}
