/**
 * One remote command on an ssh2 exec channel, presented as a {@link Process}: stdin streamed
 * in and stdout/stderr streamed out, both with backpressure, the exit status, and a definite
 * failure (never a hang) when the connection drops.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
// @ts-types="@types/ssh2"
import type { ClientChannel } from "ssh2";
import { HostkitError } from "../errors.ts";
import type { ExitStatus, Process, Stdin } from "./target.ts";

/** Bytes of output buffered per stream before the channel is paused (and the SSH window fills). */
const OUTPUT_BUFFER = 1024 * 1024;

/** Signal numbers, so a signalled command reports `128 + n` as `sh` and Deno do. */
const SIGNAL_NUMBERS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/** What goes to the command's stdin: an optional first line (sudo's password), then stdin. */
export interface ChannelInput {
  /** Sent first (sudo's password line), before `stdin`. */
  prefix?: Uint8Array;
  /** The caller's stdin. */
  stdin?: Stdin;
}

/**
 * A {@link Process} whose channel is attached once it is open, so it can be handed out
 * while it still waits for a free channel slot.
 */
export class ChannelProcess implements Process {
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  readonly status: Promise<ExitStatus>;
  #out = new OutputPipe();
  #err = new OutputPipe();
  #input: ChannelInput;
  #resolve!: (status: ExitStatus) => void;
  #reject!: (error: unknown) => void;
  #channel?: ClientChannel;
  #exit?: ExitStatus;
  #settled = false;

  constructor(input: ChannelInput) {
    this.#input = input;
    this.stdout = this.#out.stream;
    this.stderr = this.#err.stream;
    this.status = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A caller that only reads output must not crash the process with an unhandled rejection.
    this.status.catch(() => {});
  }

  /** Whether the command has ended (or failed). */
  get settled(): boolean {
    return this.#settled;
  }

  /**
   * Connects an open exec channel: output starts flowing and stdin is streamed in.
   * `onClose` runs once the channel is closed, to free its slot.
   *
   * @example
   * ```ts
   * import type { Client } from "ssh2";
   * import { ChannelProcess } from "./ssh_exec.ts";
   *
   * declare const client: Client; // a connected ssh2 client
   * const proc = new ChannelProcess({ stdin: "hello\n" });
   * client.exec("cat", (error, channel) => {
   *   if (error) proc.fail(error);
   *   else proc.attach(channel, () => console.log("channel slot free"));
   * });
   * ```
   */
  attach(channel: ClientChannel, onClose: () => void): void {
    this.#channel = channel;
    // ssh2 reports write-after-close and similar as 'error' events; the outcome is decided by
    // 'exit' and 'close', and an unhandled 'error' event would throw.
    channel.on("error", () => {});
    channel.on("exit", (code: number | null, signal?: string) => {
      this.#exit = signal ? { code: 128 + (SIGNAL_NUMBERS[signal] ?? 0), signal } : { code: code! };
    });
    channel.on("close", () => {
      onClose();
      if (this.#exit) {
        this.#out.close();
        this.#err.close();
        this.#settle(this.#exit);
      } else {
        this.fail(
          new HostkitError(
            "unreachable",
            "the remote command's channel closed without an exit status",
          ),
        );
      }
    });
    this.#out.attach(channel);
    this.#err.attach(channel.stderr);
    if (this.#settled) {
      channel.close();
      return;
    }
    pumpStdin(channel, this.#input).catch((error) => {
      // The command must not see a clean EOF after partial input: that could look complete.
      signalChannel(channel, "TERM");
      channel.close();
      this.fail(new HostkitError("input", `reading the command's stdin failed: ${error}`));
    });
  }

  /**
   * Ends the command with an error: output not yet complete errors, and `status` rejects
   * (unless the command already reported its exit status, whose output is then complete).
   *
   * @example
   * ```ts
   * import { HostkitError } from "../errors.ts";
   * import { ChannelProcess } from "./ssh_exec.ts";
   *
   * const proc = new ChannelProcess({});
   * proc.fail(new HostkitError("unreachable", "connection dropped"));
   * await proc.status.catch((error) => console.log(error.message)); // "connection dropped"
   * ```
   */
  fail(error: unknown): void {
    if (this.#exit) {
      this.#settle(this.#exit);
      return;
    }
    this.#out.error(error);
    this.#err.error(error);
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    }
  }

  /**
   * Stops the command (SIGTERM, then closes its channel) and fails it with `reason`.
   *
   * @example
   * ```ts
   * import { ChannelProcess } from "./ssh_exec.ts";
   *
   * const controller = new AbortController();
   * const proc = new ChannelProcess({});
   * controller.signal.addEventListener("abort", () => proc.abort(controller.signal.reason));
   * controller.abort(new Error("cancelled"));
   * ```
   */
  abort(reason: unknown): void {
    if (this.#settled) return;
    if (this.#channel) {
      signalChannel(this.#channel, "TERM");
      this.#channel.close();
    }
    this.fail(reason);
  }

  #settle(status: ExitStatus): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(status);
  }
}

/** The parts of ssh2's channel internals {@link signalChannel} needs. */
interface ChannelInternals {
  outgoing: { id: number; state: string };
  _client: { _protocol: { signal(id: number, name: string): void } };
}

/**
 * Asks the server to signal the command. ssh2's `channel.signal()` does nothing once stdin
 * was ended, although SSH allows signals until the channel is closed, so the request is sent
 * through ssh2's protocol object directly.
 */
function signalChannel(channel: ClientChannel, name: string): void {
  const internals = channel as unknown as ChannelInternals;
  const state = internals.outgoing?.state;
  if (state !== "open" && state !== "eof") return;
  internals._client._protocol.signal(internals.outgoing.id, name);
}

/** A web ReadableStream fed from a Node Readable, pausing the Readable when it fills up. */
class OutputPipe {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #source?: Readable;
  #done = false;
  #cancelled = false;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        this.#source?.resume();
      },
      cancel: () => {
        // Keep draining into nothing: unread output would stall the whole channel window.
        this.#cancelled = true;
        this.#source?.resume();
      },
    }, new ByteLengthQueuingStrategy({ highWaterMark: OUTPUT_BUFFER }));
  }

  attach(source: Readable): void {
    this.#source = source;
    source.on("data", (chunk: Buffer) => {
      if (this.#done || this.#cancelled) return;
      this.#controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      if ((this.#controller.desiredSize ?? 1) <= 0) source.pause();
    });
    source.on("end", () => this.close());
  }

  close(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#cancelled) this.#controller.close();
  }

  error(error: unknown): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#cancelled) this.#controller.error(error);
  }
}

/** Writes the input to the channel, waiting for 'drain' whenever ssh2 asks to slow down. */
async function pumpStdin(channel: ClientChannel, input: ChannelInput): Promise<void> {
  let closed = false;
  channel.once("close", () => closed = true);
  const write = async (bytes: Uint8Array): Promise<void> => {
    if (closed || bytes.byteLength === 0) return;
    if (channel.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        channel.off("drain", done);
        channel.off("close", done);
        resolve();
      };
      channel.on("drain", done);
      channel.on("close", done);
    });
  };
  if (input.prefix) await write(input.prefix);
  const stdin = input.stdin;
  if (typeof stdin === "string") await write(new TextEncoder().encode(stdin));
  else if (stdin instanceof Uint8Array) await write(stdin);
  else if (stdin) {
    const reader = stdin.getReader();
    try {
      while (!closed) {
        const { done, value } = await reader.read();
        if (done) break;
        await write(value);
      }
    } finally {
      // The command may exit without reading everything (e.g. `head`); stop the producer.
      if (closed) reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  if (!closed) channel.end();
}
