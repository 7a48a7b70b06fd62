/**
 * The error config mistakes found while building a project become, and the
 * check that declaration bodies run synchronously.
 *
 * @module
 */
import { callerOrigin } from "./origin.ts";

/** A config mistake found while building the project; names the resource and its origin. */
export class ProjectError extends Error {
  /** The message; `origin` is the config's `file:line` where the mistake was made. */
  constructor(message: string, readonly origin?: string) {
    super(message);
    this.name = "ProjectError";
  }
}

/**
 * Calls a declaration body (of a project, service, daemon, …) with its scope.
 * A body that returns a promise is refused: everything it declares after its
 * first `await` would run after the project was built, and be lost.
 *
 * @example
 * ```ts
 * import { runBody } from "./error.ts";
 * runBody('service "web"', (s: string[]) => s.push("declared"), []);
 * ```
 */
export function runBody<S>(
  what: string,
  body: ((scope: S) => unknown) | undefined,
  scope: S,
): void {
  const result = body?.(scope);
  if (isThenable(result)) {
    // It is refused either way: keep its eventual rejection from also crashing the sandbox.
    result.then(undefined, () => {});
    throw new ProjectError(
      `the body of ${what} is async (it returned a promise): bodies must be synchronous, ` +
        `since declarations after an await would be lost`,
      callerOrigin(),
    );
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}
