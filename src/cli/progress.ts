/**
 * Live apply progress: plain lines (one per finished step), a progress bar on
 * a TTY, or JSON events for tools.
 *
 * @module
 */
import type { ApplyEvent } from "../apply/run.ts";
import type { Step } from "../apply/program.ts";

/** Where progress goes and in which form. */
export interface ProgressOptions {
  json: boolean;
  tty: boolean;
  steps: Map<string, Step[]>;
}

/**
 * An event handler that prints progress.
 *
 * @example
 * ```ts
 * import { progress } from "./progress.ts";
 * const onEvent = progress({ json: false, tty: false, steps: new Map() });
 * onEvent({ type: "done", host: "prod", code: 0 });
 * ```
 */
export function progress(options: ProgressOptions): (event: ApplyEvent) => void {
  const write = (text: string) => Deno.stderr.writeSync(new TextEncoder().encode(text));
  let barShown = false;
  const clearBar = () => {
    if (barShown) write("\r\x1b[2K");
    barShown = false;
  };
  return (event) => {
    if (options.json) {
      console.log(JSON.stringify(event));
      return;
    }
    const total = options.steps.get(event.host)?.length ?? 0;
    switch (event.type) {
      case "started":
        write(`[${event.host}] applying ${total} steps (events: ${event.log})\n`);
        break;
      case "step": {
        if (event.status === "start") {
          if (options.tty) {
            const width = 20;
            const filled = total ? Math.round((event.index / total) * width) : 0;
            clearBar();
            write(
              `[${event.host}] ${"█".repeat(filled)}${"░".repeat(width - filled)} ${
                event.index + 1
              }/${total} ${event.label}`,
            );
            barShown = true;
          }
          break;
        }
        clearBar();
        const mark = event.status === "ok" ? "ok" : `FAILED (exit ${event.exit})`;
        write(
          `[${event.host}] ${event.index + 1}/${total} ${event.label} ... ${mark} ${
            event.ms ?? 0
          } ms\n`,
        );
        break;
      }
      case "settle": {
        clearBar();
        const step = `[${event.host}] ${event.index + 1}/${total} health gate`;
        if (event.status === "start") {
          const units = event.units?.join(", ") ?? "";
          write(`${step}: watching ${units} for ${event.ms / 1000} s${options.tty ? "" : "\n"}`);
          barShown = options.tty;
          break;
        }
        write(`${step} ... ${event.status === "ok" ? "ok" : "FAILED"} ${event.ms} ms\n`);
        break;
      }
      case "broke-lock":
        clearBar();
        write(
          event.reason === "dead"
            ? `[${event.host}] broke the lock of an apply that died (its process is gone): ${event.holder}\n`
            : `[${event.host}] broke the lock as --break-lock asked: ${event.holder}\n`,
        );
        break;
      case "readiness":
        clearBar();
        write(
          event.status === "start"
            ? `[${event.host}] readiness: waiting for ${event.detail}\n`
            : `[${event.host}] readiness ... ${
              event.status === "ok" ? "ok" : `FAILED: ${event.detail}`
            }\n`,
        );
        break;
      case "rollback": {
        clearBar();
        const text = {
          armed: `automatic rollback armed (${event.detail} after the program ends)`,
          start: "the apply failed: rolling back",
          ok: "rolled back",
          fail: "the rollback FAILED",
          waiting: `confirming over a new connection: ${event.detail}`,
          disarmed: "confirmed over a new connection: automatic rollback disarmed",
          rolled_back: "the host rolled itself back",
          rollback_failed: "the host tried to roll back and FAILED",
          unconfirmed: `could not confirm: ${event.detail}`,
        }[event.status];
        write(`[${event.host}] ${text}
`);
        break;
      }
      case "log":
        clearBar();
        write(`[${event.host}]     | ${event.line}\n`);
        break;
      case "stale":
        write(`[${event.host}] changed since the plan: ${event.id}\n`);
        break;
      case "locked":
      case "done":
        clearBar();
        break;
    }
  };
}
