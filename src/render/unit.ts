/**
 * Renders systemd unit files from their sections.
 *
 * @module
 */
import type { SystemdService, SystemdTimer } from "../model/resource.ts";

/** The first line of every file hostkit renders for systemd. */
export const MANAGED_HEADER =
  "# Managed by hostkit. Local edits are overwritten on the next apply.";

/**
 * Renders a service or timer unit file.
 *
 * @example
 * ```ts
 * import { renderUnit } from "./unit.ts";
 * const text = renderUnit({
 *   kind: "systemd_service", name: "app.service",
 *   sections: [["Service", [["ExecStart", "/usr/bin/app"]]]],
 * } as never);
 * ```
 */
export function renderUnit(unit: SystemdService | SystemdTimer): string {
  const lines = [MANAGED_HEADER];
  for (const [section, directives] of unit.sections) {
    if (directives.length === 0 && section !== "Service") continue;
    lines.push("", `[${section}]`);
    for (const [key, value] of directives) {
      if (/[\n\r]/.test(value)) {
        throw new TypeError(`${unit.name}: ${key}= must not contain a line break`);
      }
      lines.push(`${key}=${value}`);
    }
  }
  return lines.join("\n") + "\n";
}
