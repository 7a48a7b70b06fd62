/**
 * Caddyfile site blocks, rendered from plain data (pure). Tokens are quoted
 * when they need it; line breaks inside a token are refused.
 *
 * @module
 */

/** One directive of a site block: its name and arguments, or a raw block for the escape hatch. */
export type CaddyDirective = { name: string; args: string[] } | { raw: string };

/** A site as the provider collects it. */
export interface CaddySite {
  /** The site address: `example.com`, `http://web.test`, `:8080`. */
  address: string;
  directives: CaddyDirective[];
}

/** The first line of every site file hostkit writes. */
export const CADDY_HEADER = "# Managed by hostkit (caddy provider). Local edits are overwritten.";

/**
 * One Caddyfile token: bare when it can be, else double-quoted.
 *
 * @example
 * ```ts
 * import { caddyToken } from "./render.ts";
 * caddyToken("127.0.0.1:4000"); // "127.0.0.1:4000"
 * caddyToken('say "hi"'); // "\"say \\\"hi\\\"\""
 * ```
 */
export function caddyToken(value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new TypeError(`a Caddyfile token must be one line: ${JSON.stringify(value)}`);
  }
  if (value !== "" && /^[^\s"'`{}#\\]+$/.test(value)) return value;
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Checks a site address: no spaces, braces, quotes or comments. */
export function checkAddress(address: string): string {
  if (!/^[^\s{}"'#]+$/.test(address)) {
    throw new TypeError(`caddy site address ${JSON.stringify(address)} is not a single address`);
  }
  return address;
}

/**
 * A site file: the header, then the site block with one directive per line.
 *
 * @example
 * ```ts
 * import { renderSite } from "./render.ts";
 * renderSite({
 *   address: "http://web.test",
 *   directives: [{ name: "reverse_proxy", args: ["127.0.0.1:4000"] }],
 * }).includes("\treverse_proxy 127.0.0.1:4000\n"); // true
 * ```
 */
export function renderSite(site: CaddySite): string {
  const lines = [CADDY_HEADER, `${checkAddress(site.address)} {`];
  for (const directive of site.directives) {
    if ("raw" in directive) {
      for (const line of directive.raw.trim().split("\n")) lines.push(`\t${line.trim()}`);
    } else {
      lines.push(`\t${[directive.name, ...directive.args.map(caddyToken)].join(" ")}`);
    }
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
