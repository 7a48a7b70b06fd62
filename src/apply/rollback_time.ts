/**
 * How long an automatic rollback waits: the timeout an apply of a plan uses, and the shortest
 * one it allows. Apart from the rest of apply, so `plan` can say it without loading the program
 * compiler.
 *
 * @module
 */
import { HostkitError } from "../errors.ts";
import type { Plan } from "../plan/types.ts";
import { firewallReloadIn } from "../kinds/firewall_host.ts";
import { readinessWindowS } from "./readiness.ts";

/** How long a firewall reload's automatic rollback waits when the operator names no time. */
export const FIREWALL_ROLLBACK_S = 60;

/**
 * The automatic-rollback timeout an apply of this plan uses: the one asked for, else, when a
 * host reloads its firewall (which always runs under automatic rollback), at least
 * {@link FIREWALL_ROLLBACK_S} and 30 s more than {@link minimumRollbackS}; else none.
 *
 * @example
 * ```ts
 * import { rollbackSeconds } from "./rollback_time.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 *
 * const offline = await plan(project("demo", (p) => p.directory("/srv/app")));
 * await rollbackSeconds(offline, undefined); // undefined: nothing asks for it
 * await rollbackSeconds(offline, 45); // 45
 * ```
 */
export async function rollbackSeconds(
  plan: Plan,
  requested: number | undefined,
): Promise<number | undefined> {
  if (requested !== undefined) return requested;
  // A down plan is itself the rollback: there is no down of it to arm.
  if (plan.direction !== "up" || !plan.hosts.some(firewallReloadIn)) return undefined;
  return Math.max(FIREWALL_ROLLBACK_S, await minimumRollbackS(plan) + 30);
}

/** Time a new connection may need to disarm, beyond what the program itself waits for. */
const DISARM_MARGIN_S = 10;

/**
 * The shortest automatic-rollback timeout a plan allows: its longest settle
 * window, plus its longest readiness window (monitors of started services), plus
 * time for a new connection. A deadline the controller cannot meet would roll
 * back a good apply.
 *
 * @example
 * ```ts
 * import { minimumRollbackS } from "./rollback_time.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 *
 * const offline = await plan(project("demo", (p) => p.directory("/srv/app")));
 * await minimumRollbackS(offline); // 10: no service to watch, only the new connection
 * ```
 */
export async function minimumRollbackS(plan: Plan): Promise<number> {
  let settle = 0;
  for (const host of plan.hosts) {
    for (const change of host.changes) {
      const r = change.resource;
      if (r.kind === "systemd_service") settle = Math.max(settle, r.settle ?? 1);
    }
  }
  return settle + await readinessWindowS(plan.hosts) + DISARM_MARGIN_S;
}

/**
 * Refuses an automatic-rollback timeout the plan cannot use: on a down plan, or not longer than
 * {@link minimumRollbackS}.
 *
 * @example
 * ```ts
 * import { checkRollbackTimeout } from "./rollback_time.ts";
 * import { project } from "../dsl/mod.ts";
 * import { plan } from "../plan/mod.ts";
 *
 * await checkRollbackTimeout(await plan(project("demo", (p) => p.directory("/srv/app"))), 60);
 * ```
 */
export async function checkRollbackTimeout(plan: Plan, seconds: number): Promise<void> {
  if (plan.direction !== "up") {
    throw new HostkitError(
      "usage",
      "--auto-rollback undoes an up plan; a down plan is itself the rollback",
    );
  }
  const minimum = await minimumRollbackS(plan);
  if (!(seconds > minimum)) {
    throw new HostkitError(
      "usage",
      `--auto-rollback ${seconds}s is too short: it must be longer than the settle and ` +
        `readiness windows plus time for a new connection (${minimum}s for this plan)`,
    );
  }
}
