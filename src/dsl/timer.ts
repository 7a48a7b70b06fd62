/**
 * The systemd timer scope: `s.systemdTimer(name, (t) => { ... })` or
 * `s.schedule(name, (t) => { t.daily({ at: "02:30" }); t.jitter("15m") })`.
 *
 * @module
 */
import { z } from "zod";
import { dailyAt, monthlyAt, weeklyAt } from "../model/calendar.ts";
import type { UnitSections } from "../model/resource.ts";
import { type Directives, escapeSpecifiers } from "../model/systemd.ts";
import { isTimespan } from "../model/timespan.ts";
import { checkArgument, checkOptions, is, noExtraArguments, wordError } from "./options.ts";
import {
  calendar,
  type DirectiveInput,
  sectionDirectives,
  timespan,
  unitReference,
} from "./sections.ts";

/** Options of {@link TimerScope.daily} and {@link TimerScope.weekly}. */
export interface AtOptions {
  /** The time of day, `"HH:MM"` or `"HH:MM:SS"`. */
  at: string;
}

/** Options of {@link TimerScope.monthly}. */
export interface MonthlyOptions {
  /** The day of the month, 1–31. */
  day: number;
  /** The time of day, `"HH:MM"` or `"HH:MM:SS"`. */
  at: string;
}

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

  /** @internal A scope for the timer `name`; configs get one from `s.schedule(…)`. */
  constructor(readonly name: string) {
    this.triggered = name.replace(/\.timer$/, ".service");
  }

  /**
   * `Description=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("hour");
   *     t.description("Nightly sync");
   *   }));
   * ```
   */
  description(text: string, ...extra: never[]): void {
    noExtraArguments("description", 1, extra);
    checkArgument("description", "the text", text, is.string);
    this.unitDirectives.push(["Description", escapeSpecifiers(text)]);
  }

  /**
   * `OnCalendar=`, e.g. `"daily"`, `"hour"` (→ hourly) or `"*-*-* 03:00:00"`; checked.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.onCalendar("Mon..Fri *-*-* 02:30:00");
   *   }));
   * ```
   */
  onCalendar(spec: string, ...extra: never[]): void {
    noExtraArguments("onCalendar", 1, extra);
    this.timerDirectives.push(["OnCalendar", calendar("onCalendar", spec)]);
  }

  /**
   * A recurring schedule: a calendar alias or expression (`"hour"`, `"daily"`,
   * `"Mon *-*-* 02:00"`) becomes `OnCalendar=`; a time span (`"15min"`) runs it
   * that long after the timer starts and then that long after each run
   * (`OnActiveSec=` and `OnUnitActiveSec=`).
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("hour"); // OnCalendar=hourly
   *   }));
   * ```
   */
  every(interval: string, ...extra: never[]): void {
    noExtraArguments("every", 1, extra);
    checkArgument("every", "the interval", interval, is.nonEmpty);
    if (isTimespan(interval) && !/^\d+$/.test(interval)) {
      this.timerDirectives.push(["OnActiveSec", interval], ["OnUnitActiveSec", interval]);
      return;
    }
    this.timerDirectives.push(["OnCalendar", calendar("every", interval)]);
  }

  /**
   * Every day at a time: `t.daily({ at: "02:30" })` → `OnCalendar=*-*-* 02:30:00`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.daily({ at: "02:30" });
   *   }));
   * ```
   */
  daily(options: AtOptions, ...extra: never[]): void {
    noExtraArguments("daily", 1, extra);
    const { at } = required("daily", checkOptions("daily", options, { at: is.string }), "at");
    this.timerDirectives.push(["OnCalendar", typed("daily", () => dailyAt(at))]);
  }

  /**
   * Every week: `t.weekly("monday", { at: "03:00" })` → `OnCalendar=Mon *-*-* 03:00:00`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.weekly("monday", { at: "03:00" });
   *   }));
   * ```
   */
  weekly(day: string, options: AtOptions, ...extra: never[]): void {
    noExtraArguments("weekly", 2, extra);
    const { at } = required("weekly", checkOptions("weekly", options, { at: is.string }), "at");
    this.timerDirectives.push(["OnCalendar", typed("weekly", () => weeklyAt(String(day), at))]);
  }

  /**
   * Every month: `t.monthly({ day: 1, at: "04:00" })` → `OnCalendar=*-*-01 04:00:00`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.monthly({ day: 1, at: "04:00" });
   *   }));
   * ```
   */
  monthly(options: MonthlyOptions, ...extra: never[]): void {
    noExtraArguments("monthly", 1, extra);
    const checked = checkOptions("monthly", options, {
      day: z.number().int(),
      at: is.string,
    });
    const { day, at } = required("monthly", required("monthly", checked, "day"), "at");
    this.timerDirectives.push(["OnCalendar", typed("monthly", () => monthlyAt(day, at))]);
  }

  /**
   * `RandomizedDelaySec=`: spread runs by up to this span.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("daily");
   *     t.jitter("15m");
   *   }));
   * ```
   */
  jitter(span: string | number, ...extra: never[]): void {
    noExtraArguments("jitter", 1, extra);
    this.timerDirectives.push(["RandomizedDelaySec", timespan("jitter", span)]);
  }

  /**
   * `OnUnitActiveSec=`: run again this long after the last run.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.afterBoot("10min");
   *     t.repeatAfter("1h");
   *   }));
   * ```
   */
  repeatAfter(span: string | number, ...extra: never[]): void {
    noExtraArguments("repeatAfter", 1, extra);
    this.timerDirectives.push(["OnUnitActiveSec", timespan("repeatAfter", span)]);
  }

  /**
   * `OnBootSec=`: run this long after boot.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.afterBoot("10min");
   *   }));
   * ```
   */
  afterBoot(span: string | number, ...extra: never[]): void {
    noExtraArguments("afterBoot", 1, extra);
    this.timerDirectives.push(["OnBootSec", timespan("afterBoot", span)]);
  }

  /**
   * `OnBootSec=`: same as {@link afterBoot}.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.onBoot("10min");
   *   }));
   * ```
   */
  onBoot(span: string | number, ...extra: never[]): void {
    noExtraArguments("onBoot", 1, extra);
    this.timerDirectives.push(["OnBootSec", timespan("onBoot", span)]);
  }

  /**
   * `OnBootSec=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.onBootSec("10min");
   *   }));
   * ```
   */
  onBootSec(span: string | number, ...extra: never[]): void {
    noExtraArguments("onBootSec", 1, extra);
    this.timerDirectives.push(["OnBootSec", timespan("onBootSec", span)]);
  }

  /**
   * `OnUnitActiveSec=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.onBootSec("1min");
   *     t.onUnitActiveSec("1h");
   *   }));
   * ```
   */
  onUnitActiveSec(span: string | number, ...extra: never[]): void {
    noExtraArguments("onUnitActiveSec", 1, extra);
    this.timerDirectives.push(["OnUnitActiveSec", timespan("onUnitActiveSec", span)]);
  }

  /**
   * `Persistent=`: catch up on runs missed while the host was off.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("daily");
   *     t.persistent();
   *   }));
   * ```
   */
  persistent(on = true, ...extra: never[]): void {
    noExtraArguments("persistent", 1, extra);
    checkArgument("persistent", "on", on, is.boolean);
    this.timerDirectives.push(["Persistent", on ? "yes" : "no"]);
  }

  /**
   * `RandomizedDelaySec=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("daily");
   *     t.randomizedDelaySec("10min");
   *   }));
   * ```
   */
  randomizedDelaySec(span: string | number, ...extra: never[]): void {
    noExtraArguments("randomizedDelaySec", 1, extra);
    this.timerDirectives.push(["RandomizedDelaySec", timespan("randomizedDelaySec", span)]);
  }

  /**
   * With a unit name, `Unit=`: the service to trigger (default: the timer's
   * name with `.service`). With an object, [Unit] directives by name:
   * `t.unit({ description: "Nightly sync" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("hour");
   *     t.unit("sync.service");
   *     t.unit({ description: "Hourly sync" });
   *   }));
   * ```
   */
  unit(nameOrDirectives: string | Record<string, DirectiveInput>, ...extra: never[]): void {
    noExtraArguments("unit", 1, extra);
    if (typeof nameOrDirectives === "string") {
      const name = unitReference("unit", nameOrDirectives);
      if (!name.endsWith(".service")) {
        throw wordError("unit", `a timer triggers a .service unit, got ${JSON.stringify(name)}`);
      }
      this.triggered = name;
      return;
    }
    this.unitDirectives.push(...sectionDirectives("unit", "Unit", nameOrDirectives));
  }

  /**
   * [Timer] directives by name: `t.timer({ onCalendar: "hourly", persistent: true })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.timer({ onCalendar: "hourly", persistent: true });
   *   }));
   * ```
   */
  timer(directives: Record<string, DirectiveInput>, ...extra: never[]): void {
    noExtraArguments("timer", 1, extra);
    for (const [key, value] of sectionDirectives("timer", "Timer", directives)) {
      if (key === "Unit") {
        this.unit(value);
        continue;
      }
      this.timerDirectives.push([key, value]);
    }
  }

  /**
   * [Install] directives by name: `t.install({ wantedBy: "timers" })`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("hour");
   *     t.install({ wantedBy: "timers" });
   *   }));
   * ```
   */
  install(directives: Record<string, DirectiveInput>, ...extra: never[]): void {
    noExtraArguments("install", 1, extra);
    this.installDirectives.push(...sectionDirectives("install", "Install", directives));
  }

  /**
   * `WantedBy=`.
   *
   * @example
   * ```ts
   * import { project } from "./project.ts";
   * project("demo", (p) =>
   *   p.systemdTimer("sync.timer", (t) => {
   *     t.every("hour");
   *     t.wantedBy("timers");
   *   }));
   * ```
   */
  wantedBy(...targets: string[]): void {
    for (const t of targets) {
      this.installDirectives.push(["WantedBy", unitReference("wantedBy", t)]);
    }
  }

  /** @internal */
  sections(): UnitSections {
    if (!this.timerDirectives.some(([key]) => TRIGGERS.has(key))) {
      throw wordError(
        `timer ${this.name}`,
        "never fires: give it a schedule (every, daily, weekly, monthly, onCalendar, afterBoot, repeatAfter, …)",
      );
    }
    const timer: Directives = [...this.timerDirectives, ["Unit", this.triggered]];
    const install = this.installDirectives.length
      ? this.installDirectives
      : [["WantedBy", "timers.target"]] as Directives;
    return [["Unit", this.unitDirectives], ["Timer", timer], ["Install", install]];
  }
}

/** The [Timer] keys that make a timer elapse. */
const TRIGGERS = new Set([
  "OnCalendar",
  "OnActiveSec",
  "OnBootSec",
  "OnStartupSec",
  "OnUnitActiveSec",
  "OnUnitInactiveSec",
  "OnClockChange",
  "OnTimezoneChange",
]);

function required<T extends object, K extends keyof T>(
  word: string,
  options: T,
  key: K,
): T & Required<Pick<T, K>> {
  if (options[key] === undefined) throw wordError(word, `needs the option ${String(key)}`);
  return options as T & Required<Pick<T, K>>;
}

function typed(word: string, build: () => string): string {
  try {
    return build();
  } catch (error) {
    throw wordError(word, (error as Error).message);
  }
}
