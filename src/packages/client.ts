/**
 * A small HTTP client for the Repology API: a descriptive User-Agent, at most one request per
 * second (Repology's terms of use), retries with backoff on 429 and 5xx, answers checked
 * against the documented shape, and no request outside the configured base URL.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import { HOSTKIT_VERSION } from "../version.ts";
import { type Clock, systemClock } from "./clock.ts";
import { validatePackageName } from "./names.ts";
import { RepologyProjectSchema, type RepologyRecord } from "./records.ts";

/** The public Repology instance. */
export const DEFAULT_REPOLOGY_URL = "https://repology.org";

/** Sent with every request, as Repology asks of API clients. */
export const USER_AGENT =
  `hostkit/${HOSTKIT_VERSION} (agentless deploy tool; resolves semantic package names, ` +
  "at most 1 request/s)";

/** Answers larger than this are refused (the largest real projects are a few hundred KB). */
const MAX_BODY = 16 * 1024 * 1024;

/** Options of {@link RepologyClient}. */
export interface RepologyClientOptions {
  /** Site root, e.g. `https://repology.org` or a mirror; the API lives under `/api/v1`. */
  baseUrl?: string;
  /** Injected time (tests). */
  clock?: Clock;
  /** Minimum time between two requests in ms (default 1000). */
  interval?: number;
  /** Attempts per request on 429/5xx/network errors (default 5). */
  attempts?: number;
  /** Per-attempt timeout in ms (default 15000). */
  timeout?: number;
}

/**
 * Checks a Repology base URL (`--repology-url`, `HOSTKIT_REPOLOGY_URL`): http(s), no
 * credentials, no query; returns it without a trailing slash.
 *
 * @example
 * ```ts
 * import { repologyBaseUrl } from "./client.ts";
 * repologyBaseUrl("http://127.0.0.1:8080/"); // "http://127.0.0.1:8080"
 * ```
 */
export function repologyBaseUrl(value: string, what = "--repology-url"): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new HostkitError("usage", `${what} ${JSON.stringify(value)} is not a URL`);
  }
  if (!["http:", "https:"].includes(url.protocol) || url.username || url.password || url.search) {
    throw new HostkitError(
      "usage",
      `${what} ${
        JSON.stringify(value)
      }: expected http(s)://host[:port][/path], without credentials or query`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Talks to one Repology instance. One client per plan: its rate limit spans every request.
 *
 * @example
 * ```ts
 * import { RepologyClient } from "./client.ts";
 * const client = new RepologyClient({ baseUrl: "http://127.0.0.1:8080" });
 * const records = await client.project("curl");
 * ```
 */
export class RepologyClient {
  readonly baseUrl: string;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #attempts: number;
  readonly #timeout: number;
  #last = -Infinity;
  /** Requests sent (attempts included), for diagnostics and tests. */
  requests = 0;

  constructor(options: RepologyClientOptions = {}) {
    this.baseUrl = repologyBaseUrl(options.baseUrl ?? DEFAULT_REPOLOGY_URL);
    this.#clock = options.clock ?? systemClock;
    this.#interval = options.interval ?? 1000;
    this.#attempts = options.attempts ?? 5;
    this.#timeout = options.timeout ?? 15_000;
  }

  /** The packages of project `name` (empty when Repology has no such project). */
  async project(name: string): Promise<RepologyRecord[]> {
    validatePackageName(name, "Repology project");
    const url = `${this.baseUrl}/api/v1/project/${encodeURIComponent(name)}`;
    const response = await this.#get(url);
    return await this.#records(url, response);
  }

  /**
   * The project whose package in `repo` has binary `name` (Repology's `project-by` tool),
   * or `undefined` when there is none. The tool answers with a redirect to the project's API
   * page, followed only when it stays under the base URL.
   */
  async projectByBinary(repo: string, name: string): Promise<RepologyRecord[] | undefined> {
    validatePackageName(name, "Repology binary name");
    const query = new URLSearchParams({
      repo,
      name_type: "binname",
      target_page: "api_v1_project",
      noautoresolve: "on",
      name,
    });
    const url = `${this.baseUrl}/tools/project-by?${query}`;
    const response = await this.#get(url);
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = new URL(response.headers.get("location") ?? "", url).href;
      const prefix = `${this.baseUrl}/api/v1/project/`;
      if (!location.startsWith(prefix) || location.slice(prefix.length).includes("/")) {
        throw new HostkitError(
          "unreachable",
          `Repology's project-by for ${name} in ${repo} redirected outside ${this.baseUrl}: refused`,
        );
      }
      return await this.#records(location, await this.#get(location));
    }
    if (response.headers.get("content-type")?.includes("text/html")) {
      await response.body?.cancel();
      throw new HostkitError(
        "config",
        `binary package ${name} belongs to several Repology projects in ${repo}: give the name with { as: "..." }`,
      );
    }
    return await this.#records(url, response);
  }

  async #records(url: string, response: Response): Promise<RepologyRecord[]> {
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new HostkitError("unreachable", `Repology answered ${response.status} for ${url}`);
    }
    const text = await readCapped(response, url);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new HostkitError("unreachable", `Repology's answer for ${url} is not JSON`);
    }
    const parsed = RepologyProjectSchema.safeParse(json);
    if (!parsed.success) {
      throw new HostkitError(
        "unreachable",
        `Repology's answer for ${url} is not a list of packages: ${
          parsed.error.issues[0]?.message
        }`,
      );
    }
    return parsed.data;
  }

  /** One GET with the rate limit and retries; 429 and 5xx are retried, other statuses returned. */
  async #get(url: string): Promise<Response> {
    let failure = "";
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      const wait = this.#last + this.#interval - this.#clock.now();
      if (wait > 0) await this.#clock.sleep(wait);
      this.#last = this.#clock.now();
      this.requests++;
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { "user-agent": USER_AGENT, accept: "application/json" },
          redirect: "manual",
          signal: AbortSignal.timeout(this.#timeout),
        });
      } catch (error) {
        failure = (error as Error).message;
        if (attempt + 1 < this.#attempts) await this.#clock.sleep(backoff(attempt));
        continue;
      }
      if (response.status !== 429 && response.status < 500) return response;
      failure = `HTTP ${response.status}`;
      const retryAfter = Number(response.headers.get("retry-after"));
      await response.body?.cancel();
      if (attempt + 1 < this.#attempts) {
        await this.#clock.sleep(
          Number.isFinite(retryAfter) && retryAfter > 0
            ? Math.min(retryAfter * 1000, 60_000)
            : backoff(attempt),
        );
      }
    }
    throw new HostkitError(
      "unreachable",
      `Repology at ${this.baseUrl} failed ${this.#attempts} times for ${url}: ${failure}`,
      {
        details: [
          "plan offline from a lock with --package-lock FILE, or point --repology-url at a mirror",
        ],
      },
    );
  }
}

/** 1 s, 2 s, 4 s, … capped at 30 s. */
function backoff(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 30_000);
}

async function readCapped(response: Response, url: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? new ReadableStream()) {
    size += chunk.length;
    if (size > MAX_BODY) {
      await response.body?.cancel().catch(() => {});
      throw new HostkitError(
        "unreachable",
        `Repology's answer for ${url} exceeds ${MAX_BODY} bytes`,
      );
    }
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}
