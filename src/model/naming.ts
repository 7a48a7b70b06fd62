/**
 * Names derived from a service's name: identities (accounts, units) are
 * hyphenated, paths keep the name as written. `hex_mirror` is the account
 * and unit `toys-hex-mirror` but the directory `/srv/toys/hex_mirror`.
 *
 * @module
 */

/**
 * A name as an identity segment: `_` becomes `-` (and `/` in a path too).
 *
 * @example
 * ```ts
 * import { identitySegment } from "./naming.ts";
 * identitySegment("hex_mirror"); // "hex-mirror"
 * identitySegment("alice/blog_preview"); // "alice-blog-preview"
 * ```
 */
export function identitySegment(name: string): string {
  return name.replaceAll("_", "-").replaceAll("/", "-");
}

const UNIT_TYPES = /\.(service|timer|socket|target|mount|path|slice|scope|device|swap|automount)$/;

/**
 * A systemd unit name: an identity with `suffix` (default `.service`) unless
 * it already names a unit type; a suffix such as `-sync.timer` is appended.
 *
 * @example
 * ```ts
 * import { systemdUnit } from "./naming.ts";
 * systemdUnit("hk-blog-agent"); // "hk-blog-agent.service"
 * systemdUnit("hk-blog-agent.timer"); // "hk-blog-agent.timer"
 * systemdUnit("hk-blog-agent", "-sync.timer"); // "hk-blog-agent-sync.timer"
 * ```
 */
export function systemdUnit(identity: string, suffix = ".service"): string {
  return UNIT_TYPES.test(identity) ? identity : identity + suffix;
}

/**
 * Whether a name already ends in a systemd unit type.
 *
 * @example
 * ```ts
 * import { hasUnitType } from "./naming.ts";
 * hasUnitType("web.service"); // true
 * ```
 */
export function hasUnitType(name: string): boolean {
  return UNIT_TYPES.test(name);
}
