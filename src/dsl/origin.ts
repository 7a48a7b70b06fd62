/**
 * Where in a config a declaration was made, read from the call stack, so that
 * errors can name the user's `file:line`.
 *
 * @module
 */

type UrlMapper = (url: string) => string | undefined;

let mapUrl: UrlMapper = () => undefined;

/**
 * Lets the config loader translate module URLs (blob/data URLs of transpiled
 * modules) back to the user's file paths.
 *
 * @example
 * ```ts
 * import { setOriginMapper } from "./origin.ts";
 * setOriginMapper((url) => url === "blob:null/1" ? "/infra/config.ts" : undefined);
 * ```
 */
export function setOriginMapper(mapper: UrlMapper): void {
  mapUrl = mapper;
}

const FRAME = /((?:file|blob|data|https?):[^\s()]*?):(\d+):(\d+)\)?$/;
const OWN_MODULES = /\/src\/(dsl|model|providers(\/[^/]+)?)\/[^/]+\.ts$/;

/**
 * The `file:line` of the innermost stack frame outside hostkit's DSL, or
 * undefined when there is none.
 *
 * @example
 * ```ts
 * import { callerOrigin } from "./origin.ts";
 * const where = callerOrigin(); // "/infra/config.ts:12"
 * ```
 */
export function callerOrigin(): string | undefined {
  // Capturing a stack costs per frame; the user's frame is a few DSL frames up.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 16;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  for (const line of stack.split("\n").slice(1)) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const [, url, row] = match;
    if (OWN_MODULES.test(url)) continue;
    const mapped = mapUrl(url);
    if (mapped) return `${mapped}:${row}`;
    if (url.startsWith("file://")) return `${decodeURIComponent(new URL(url).pathname)}:${row}`;
  }
  return undefined;
}
