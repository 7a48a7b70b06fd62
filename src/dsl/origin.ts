/**
 * Where in a config a declaration was made, read from V8's structured call
 * sites (not a formatted stack trace), so that errors can name the user's
 * `file:line` at a cost of a few frames per declaration.
 *
 * @module
 */

type UrlMapper = (url: string) => string | undefined;

let mapUrl: UrlMapper = () => undefined;
let captures = 0;

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

const OWN_MODULES = /\/src\/(dsl|model|providers(\/[^/]+)?)\/[^/]+\.ts$/;
/** The user's frame is a few DSL frames up; a deeper search only costs. */
const FRAMES = 16;

/** The structural part of a V8 call site that origins need. */
interface CallSite {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
}

type Prepare = (error: Error, sites: CallSite[]) => unknown;

/** The call sites of the caller's stack, without formatting a stack trace. */
function callSites(): CallSite[] {
  const errorClass = Error as unknown as { prepareStackTrace?: Prepare; stackTraceLimit: number };
  const prepare = errorClass.prepareStackTrace;
  const limit = errorClass.stackTraceLimit;
  errorClass.prepareStackTrace = (_error, sites) => sites;
  errorClass.stackTraceLimit = FRAMES;
  try {
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, callerOrigin);
    return Array.isArray(holder.stack) ? holder.stack as CallSite[] : [];
  } finally {
    errorClass.prepareStackTrace = prepare;
    errorClass.stackTraceLimit = limit;
  }
}

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
  captures++;
  for (const site of callSites()) {
    const url = site.getFileName();
    const row = site.getLineNumber();
    if (!url || row === null || OWN_MODULES.test(url)) continue;
    const mapped = mapUrl(url);
    if (mapped) return `${mapped}:${row}`;
    if (url.startsWith("file://")) return `${decodeURIComponent(new URL(url).pathname)}:${row}`;
    if (url.startsWith("/")) return `${url}:${row}`;
  }
  return undefined;
}

/**
 * How many origins have been captured in this isolate: one per declaration,
 * so tests can pin the cost without a clock.
 *
 * @example
 * ```ts
 * import { callerOrigin, originCaptures } from "./origin.ts";
 * const before = originCaptures();
 * callerOrigin();
 * originCaptures() - before; // 1
 * ```
 */
export function originCaptures(): number {
  return captures;
}
