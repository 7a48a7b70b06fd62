/**
 * Network addresses as the DSL writes them: tuples, strings and aliases.
 *
 * @module
 */

/**
 * `[a, b, c, d]`, `[a, b, c, d, prefix]`, `[[a, b, c, d], prefix]`, a string,
 * or an alias such as `"loopback"`.
 */
export type AddressInput = string | number[] | [number[], number];

/**
 * Formats an address for a listener: tuples become dotted quads, `loopback`
 * becomes `127.0.0.1`, `any` becomes `0.0.0.0`.
 *
 * @example
 * ```ts
 * import { listenAddress } from "./address.ts";
 * listenAddress("loopback"); // "127.0.0.1"
 * listenAddress([10, 0, 0, 5]); // "10.0.0.5"
 * ```
 */
export function listenAddress(input: AddressInput): string {
  if (input === "loopback" || input === "localhost") return "127.0.0.1";
  if (input === "any") return "0.0.0.0";
  return formatAddress(input);
}

/**
 * Formats an address for systemd's IPAddressAllow=/IPAddressDeny=: `loopback`
 * becomes `localhost`, `any` stays, `[10, 44, 0, 0, 24]` becomes `10.44.0.0/24`.
 *
 * @example
 * ```ts
 * import { policyAddress } from "./address.ts";
 * policyAddress([10, 44, 0, 0, 24]); // "10.44.0.0/24"
 * policyAddress([[10, 44, 0, 0], 24]); // "10.44.0.0/24"
 * ```
 */
export function policyAddress(input: AddressInput): string {
  if (input === "loopback" || input === "localhost") return "localhost";
  if (input === "any" || input === "all") return "any";
  if (input === "link_local") return "link-local";
  if (input === "multicast") return "multicast";
  return formatAddress(input);
}

/**
 * An address tuple in the flat form: `[[10, 44, 0, 0], 24]` becomes `[10, 44, 0, 0, 24]`.
 *
 * @example
 * ```ts
 * import { normalizeAddress } from "./address.ts";
 * normalizeAddress([[10, 44, 0, 0], 24]); // [10, 44, 0, 0, 24]
 * normalizeAddress("loopback"); // [127, 0, 0, 1]
 * ```
 */
export function normalizeAddress(input: AddressInput): string | number[] {
  if (input === "loopback" || input === "localhost") return [127, 0, 0, 1];
  if (input === "any") return [0, 0, 0, 0];
  if (typeof input === "string") return input;
  if (input.length === 2 && Array.isArray(input[0])) {
    const [octets, prefix] = input as [number[], number];
    if (octets.length !== 4 || typeof prefix !== "number") {
      throw new TypeError(
        `invalid address ${JSON.stringify(input)} (want [[a, b, c, d], prefix])`,
      );
    }
    return [...octets, prefix];
  }
  if (!input.every((o) => typeof o === "number")) {
    throw new TypeError(`invalid address tuple ${JSON.stringify(input)}`);
  }
  return input as number[];
}

function formatAddress(raw: AddressInput): string {
  const input = normalizeAddress(raw);
  if (typeof input === "string") {
    if (/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(input) || /^[a-z0-9.-]+$/i.test(input)) return input;
    throw new TypeError(`invalid address ${JSON.stringify(input)}`);
  }
  const octets = input.length === 5 ? input.slice(0, 4) : input;
  if (octets.length !== 4 || !octets.every((o) => Number.isInteger(o) && o >= 0 && o <= 255)) {
    throw new TypeError(`invalid address tuple ${JSON.stringify(input)} (want 4 octets + prefix)`);
  }
  if (input.length === 5) {
    const prefix = input[4];
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
      throw new TypeError(`invalid prefix length ${prefix} in ${JSON.stringify(input)}`);
    }
    return `${octets.join(".")}/${prefix}`;
  }
  return octets.join(".");
}
