/**
 * A counting semaphore with a FIFO queue: bounds how many SSH channels are open at once on
 * one connection (OpenSSH refuses sessions beyond its `MaxSessions`, 10 by default).
 *
 * @module
 */

interface Waiter {
  resolve: (release: () => void) => void;
  reject: (reason: unknown) => void;
}

/** Hands out at most `limit` slots at a time; further requests wait in arrival order. */
export class Limiter {
  #limit: number;
  #active = 0;
  #queue: Waiter[] = [];
  #closed?: unknown;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bad limit ${limit}`);
    this.#limit = limit;
  }

  /** Slots currently held. */
  get active(): number {
    return this.#active;
  }

  /** The most slots handed out at once. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * Waits for a slot and returns the function that gives it back (calling it twice is
   * harmless). Rejects with the signal's reason when aborted while waiting, and with the
   * reason given to {@link close} once closed.
   *
   * @example
   * ```ts
   * import { Limiter } from "./limiter.ts";
   * const limiter = new Limiter(10);
   * const release = await limiter.acquire();
   * try {
   *   // use the slot
   * } finally {
   *   release();
   * }
   * ```
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.#closed !== undefined) return Promise.reject(this.#closed);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.#limit) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      this.#queue.push(waiter);
      signal?.addEventListener("abort", () => {
        const index = this.#queue.indexOf(waiter);
        if (index === -1) return;
        this.#queue.splice(index, 1);
        reject(signal.reason);
      }, { once: true });
    });
  }

  /**
   * Lowers the limit (never below 1), e.g. when the server turns out to allow fewer sessions.
   *
   * @example
   * ```ts
   * import { Limiter } from "./limiter.ts";
   * const limiter = new Limiter(10);
   * limiter.lower(4);
   * limiter.limit; // 4
   * ```
   */
  lower(limit: number): void {
    this.#limit = Math.max(1, Math.min(this.#limit, limit));
  }

  /**
   * Rejects everyone waiting and every later {@link acquire} with `reason`.
   *
   * @example
   * ```ts
   * import { Limiter } from "./limiter.ts";
   * const limiter = new Limiter(10);
   * limiter.close(new Error("connection closed"));
   * ```
   */
  close(reason: unknown): void {
    this.#closed ??= reason;
    for (const waiter of this.#queue.splice(0)) waiter.reject(this.#closed);
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#next();
    };
  }

  #next(): void {
    while (this.#active < this.#limit && this.#queue.length > 0) {
      this.#active++;
      this.#queue.shift()!.resolve(this.#releaser());
    }
  }
}
