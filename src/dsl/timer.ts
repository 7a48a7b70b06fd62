/**
 * The systemd timer scope: `s.systemdTimer(name, (t) => { ... })`.
 *
 * @module
 */
import type { UnitSections } from "../model/resource.ts";
import { type Directives, escapeSpecifiers, unitName } from "../model/systemd.ts";

/** Declares a systemd timer unit. `WantedBy=timers.target` unless set. */
export class TimerScope {
  /** @internal */
  readonly unitDirectives: Directives = [];
  /** @internal */
  readonly timerDirectives: Directives = [];
  /** @internal */
  readonly installDirectives: Directives = [];
  /** @internal The service it triggers. */
  triggered: string;

  constructor(readonly name: string) {
    this.triggered = name.replace(/\.timer$/, ".service");
  }

  /** `Description=`. */
  description(text: string): void {
    this.unitDirectives.push(["Description", escapeSpecifiers(text)]);
  }

  /** `OnCalendar=`, e.g. `"daily"` or `"*-*-* 03:00:00"`. */
  onCalendar(spec: string): void {
    this.timerDirectives.push(["OnCalendar", spec]);
  }

  /** `OnBootSec=`. */
  onBootSec(span: string | number): void {
    this.timerDirectives.push(["OnBootSec", String(span)]);
  }

  /** `OnUnitActiveSec=`. */
  onUnitActiveSec(span: string | number): void {
    this.timerDirectives.push(["OnUnitActiveSec", String(span)]);
  }

  /** `Persistent=`. */
  persistent(on = true): void {
    this.timerDirectives.push(["Persistent", on ? "yes" : "no"]);
  }

  /** `RandomizedDelaySec=`. */
  randomizedDelaySec(span: string | number): void {
    this.timerDirectives.push(["RandomizedDelaySec", String(span)]);
  }

  /** `Unit=`: the service to trigger (defaults to the timer's name with `.service`). */
  unit(name: string): void {
    this.triggered = name;
  }

  /** `WantedBy=`. */
  wantedBy(...targets: string[]): void {
    for (const t of targets) this.installDirectives.push(["WantedBy", unitName(t)]);
  }

  /** @internal */
  sections(): UnitSections {
    const timer: Directives = [...this.timerDirectives, ["Unit", this.triggered]];
    const install = this.installDirectives.length
      ? this.installDirectives
      : [["WantedBy", "timers.target"]] as Directives;
    return [["Unit", this.unitDirectives], ["Timer", timer], ["Install", install]];
  }
}
