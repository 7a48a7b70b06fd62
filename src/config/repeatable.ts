/**
 * Whether a config's evaluation would answer the same again: the sandbox has no
 * files, network or environment, so only what changes from run to run can make
 * two evaluations of the same modules differ: clocks, randomness, timers (a
 * clock by another name), garbage-collection timing, and the run's own blob
 * URLs (`import.meta.url`). Installed in the sandbox's child just before config
 * code runs; each of these marks the evaluation unrepeatable as it is used, and
 * the loader then keeps no answer of it (result_cache.ts). A config that uses
 * none of them is a function of its modules' text.
 *
 * The marks are a cache's guard, not a wall: a config gains nothing by slipping
 * past them but its own stale answer.
 *
 * @module
 */

/**
 * Wraps the clocks, randomness and timers of this realm; returns whether none was used since.
 *
 * @example
 * ```ts
 * import { watchRepeatability } from "./repeatable.ts";
 * const repeatable = watchRepeatability();
 * new Date(0); // a fixed date: still repeatable
 * console.log(repeatable()); // true
 * Date.now();
 * console.log(repeatable()); // false
 * ```
 */
export function watchRepeatability(): () => boolean {
  let repeatable = true;
  const mark = () => {
    repeatable = false;
  };
  const g = globalThis as Record<string, unknown>;
  const wrap = <T extends object, K extends keyof T>(target: T, name: K) => {
    const original = target[name] as (...args: unknown[]) => unknown;
    Object.defineProperty(target, name, {
      value: function (this: unknown, ...args: unknown[]) {
        mark();
        return original.apply(this, args);
      },
      writable: true,
      configurable: true,
    });
  };
  const construction = <T extends object>(target: T, marks: (args: unknown[]) => boolean): T =>
    new Proxy(target, {
      construct(real, args, newTarget) {
        if (marks(args)) mark();
        return Reflect.construct(real as new (...a: unknown[]) => object, args, newTarget);
      },
      apply(real, self, args) {
        mark(); // Date() is the time as text
        return Reflect.apply(real as (...a: unknown[]) => unknown, self, args);
      },
    });
  const getter = (target: object, name: string) => {
    const descriptor = Object.getOwnPropertyDescriptor(target, name);
    if (!descriptor) return;
    const read = descriptor.get ?? (() => descriptor.value);
    Object.defineProperty(target, name, {
      configurable: true,
      get() {
        mark();
        return read.call(this);
      },
    });
  };

  // Clocks: the current time by every road (a fixed date stays repeatable).
  const RealDate = Date;
  wrap(RealDate, "now");
  const date = construction(RealDate, (args) => args.length === 0);
  Object.defineProperty(RealDate.prototype, "constructor", { value: date, configurable: true });
  g.Date = date;
  const formats = Intl.DateTimeFormat.prototype;
  const format = Object.getOwnPropertyDescriptor(formats, "format")?.get;
  if (format) {
    Object.defineProperty(formats, "format", {
      configurable: true,
      get() {
        const bound = format.call(this) as (date?: unknown) => string;
        return (when?: unknown) => {
          if (when === undefined) mark();
          return bound(when);
        };
      },
    });
  }
  const toParts = formats.formatToParts;
  formats.formatToParts = function (when?: Date | number) {
    if (when === undefined) mark();
    return toParts.call(this, when);
  };
  const temporal = g.Temporal as object | undefined;
  if (temporal) getter(temporal, "Now");
  getter(globalThis, "performance");
  // Randomness.
  wrap(Math, "random");
  getter(globalThis, "crypto");
  // Timers and waits: a race between them measures time.
  wrap(globalThis, "setTimeout");
  wrap(globalThis, "setInterval");
  wrap(Atomics, "wait");
  if ("waitAsync" in Atomics) wrap(Atomics, "waitAsync" as keyof typeof Atomics);
  // Garbage collection's timing, and the heap's size.
  g.WeakRef = construction(WeakRef, () => true);
  g.FinalizationRegistry = construction(FinalizationRegistry, () => true);
  wrap(Deno, "memoryUsage");
  // Blob URLs are random names, new each run.
  wrap(URL, "createObjectURL");
  return () => repeatable;
}

/**
 * Whether transpiled module code reads `import.meta` (its URL is a blob URL, new each run).
 *
 * @example
 * ```ts
 * import { readsImportMeta } from "./repeatable.ts";
 * console.log(readsImportMeta("const here = import.meta.url;")); // true
 * ```
 */
export function readsImportMeta(code: string): boolean {
  return /\bimport\s*\.\s*meta\b/.test(code);
}
