/**
 * The shell side of automatic rollback: arming a transient systemd timer before
 * the first change, the one decision (an atomic `mkdir` marker) between the
 * controller's disarm and the host's own rollback, and the rollback itself,
 * which applies the run's down program change by change.
 *
 * The rollback directory `<runs root>/rollback/<run id>/` holds:
 * `program/` (the down program: lib.sh, apply.sh, probe.sh, expected, record),
 * `fire.sh` (what the timer runs), `pid` (the apply program), `ended` (epoch
 * seconds when it ended: the deadline counts from there), `steps.ok` /
 * `steps.failed` (the apply's steps, for changes no probe can see), `up-record`
 * (the apply's run record) and, once decided, `decided/by` (`disarmed`,
 * `fired`, or `failed apply`) and `decided/status` (the down program's exit).
 *
 * @module
 */
import { quote } from "../transport/shell.ts";

/** Library functions (joined into the remote lib) for arming, deciding and rolling back. */
export const ROLLBACK_FUNCTIONS = String.raw`
hk_arm() { # before the first change: the host rolls itself back unless the controller disarms it
  [ -n "\${HK_RB:-}" ] || return 0
  command -v systemd-run >/dev/null 2>&1 ||
    { hk_event error "automatic rollback needs systemd-run on the host"; hk_finish 3; }
  { rm -rf -- "$HK_RB" && mkdir -p -- "$HK_RB" && chmod 700 -- "$HK_RB" &&
    tar -x -m -f "$D/rollback.tar" -C "$HK_RB" && echo "$$" > "$HK_RB/pid" &&
    printf '%s\n' "\${HK_RECORD:-}" > "$HK_RB/up-record"; } > "$D/out" 2>&1 ||
    { hk_event error "cannot prepare automatic rollback: $(head -c 300 "$D/out")"; hk_finish 3; }
  # The timer fires at the earliest after the timeout; fire.sh then waits for the program's end.
  if ! systemd-run --quiet --collect --unit="$HK_RB_UNIT" --on-active="\${HK_RB_TIMEOUT}s" \
      --timer-property=AccuracySec=1s --description="hostkit automatic rollback of $HK_RUN_ID" \
      sh "$HK_RB/fire.sh" "$HK_RB" "$HK_RB_TIMEOUT" > "$D/out" 2>&1; then
    hk_event error "cannot arm automatic rollback: $(head -c 300 "$D/out")"
    rm -rf -- "$HK_RB"; hk_finish 3
  fi
  HK_RB_ARMED=1
  hk_event armed "$HK_RB_TIMEOUT" "$HK_RB_UNIT"
}
hk_rb_end() { # exit code: the deadline starts now; a failed apply rolls back at once
  [ "\${HK_RB_ARMED:-0}" = 1 ] || return 0
  date +%s > "$HK_RB/ended.tmp" && mv -f "$HK_RB/ended.tmp" "$HK_RB/ended"
  [ "$1" = 0 ] && return 0
  hk_event rollback start
  if hk_rollback "$HK_RB" "failed apply"; then
    hk_event rollback ok "$HK_RB/program/events.log"
  else
    hk_event rollback fail "$HK_RB/program/events.log"
    awk -F '\t' '$1 == "hk" && $2 == "log" { sub(/^hk\tlog\t[0-9]*\t/, ""); print }' \
      "$HK_RB/program/events.log" 2>/dev/null | tail -n 20 |
      while IFS= read -r line; do hk_event rollback-log "$line"; done
  fi
  systemctl stop "$HK_RB_UNIT.timer" "$HK_RB_UNIT.service" 2>/dev/null || :
}
hk_rollback() { # dir why: whoever makes decided/ first decides; the down program takes the lock
  mkdir -- "$1/decided" 2>/dev/null || return 0
  printf '%s\n' "$2" > "$1/decided/by"
  HK_LOCK_WAIT=600 sh "$1/program/apply.sh" "$1/program" > "$1/program/events.log" 2>&1 < /dev/null
  rc=$(cat "$1/program/status" 2>/dev/null || echo 1)
  echo "$rc" > "$1/decided/status"
  up=$(cat "$1/up-record" 2>/dev/null)
  if [ -n "$up" ] && [ -f "$up" ]; then
    sed 's/^  "status": "[a-z_]*",$/  "status": "rolled_back",/' "$up" > "$up.tmp" && mv -f "$up.tmp" "$up"
  fi
  return "$rc"
}
hk_touched() { # what the undone run changed: c<i> (a resource no longer as planned), s<n>/f<n> (a step ran/failed)
  : > "$D/touched"
  if [ -s "$D/expected" ]; then
    tab=$(printf '\t')
    sh "$D/probe.sh" | sort > "$D/actual"
    sort "$D/expected" > "$D/expected.sorted"
    diff "$D/expected.sorted" "$D/actual" | sed -n "s/^[<>] \([0-9]*\)$tab.*/c\1/p" | sort -u >> "$D/touched"
  fi
  [ -f "$HK_UNDO/steps.ok" ] && sed 's/^/s/' "$HK_UNDO/steps.ok" >> "$D/touched"
  [ -f "$HK_UNDO/steps.failed" ] && sed 's/^/f/' "$HK_UNDO/steps.failed" >> "$D/touched"
  hk_event touched $(wc -l < "$D/touched")
  # One pass decides every step (keys: "STEP KEY…" per line): HK_RUN_<n> is 1 for those to run.
  awk 'NR == FNR { touched[$1] = 1; next }
    { run = ""; for (i = 2; i <= NF; i++) if ($i in touched) run = 1; print "HK_RUN_" $1 "=" run }' \
    "$D/touched" "$D/keys" > "$D/run.vars" && . "$D/run.vars"
}
hk_step_if() { # n command: a down step runs only when the run touched one of its changes
  if eval "[ -n \"\$HK_RUN_$1\" ]"; then hk_step "$@"; else hk_event step "$1" skip; fi
}
`.replaceAll("\\${", "${");

/**
 * `fire.sh DIR TIMEOUT`, run by the transient timer's service: waits while the
 * apply program runs (the deadline counts from its end), then rolls back unless
 * the controller decided first.
 */
export const FIRE_SH = String.raw`
rb=$1; timeout=$2
while [ ! -f "$rb/ended" ]; do
  # A program that died without ending (killed) cannot be confirmed: roll back now.
  kill -0 "$(cat "$rb/pid" 2>/dev/null)" 2>/dev/null || break
  sleep 1
done
if [ -f "$rb/ended" ]; then
  left=$(( $(cat "$rb/ended") + timeout - $(date +%s) ))
  [ "$left" -gt 0 ] && sleep "$left"
fi
[ -d "$rb/decided" ] && exit 0
. "$rb/program/lib.sh"
hk_rollback "$rb" fired
`;

/**
 * The disarm, run over a NEW connection once the apply ended well: prints one
 * `hk<TAB>STATE…` line: `running` (not ended yet), `not-ok STATUS` (the apply
 * failed; it rolled back itself), `decided BY STATUS`, `disarmed`, or `gone`.
 */
export function disarmScript(dir: string, unit: string, statusFile: string): string {
  return String.raw`
rb=${quote(dir)}; st=${quote(statusFile)}
say() { printf 'hk'; for f in "$@"; do printf '\t%s' "$f"; done; printf '\n'; }
decided() { say decided "$(cat "$rb/decided/by" 2>/dev/null)" "$(cat "$rb/decided/status" 2>/dev/null)"; }
[ -d "$rb" ] || { say gone; exit 0; }
[ -d "$rb/decided" ] && { decided; exit 0; }
[ -f "$rb/ended" ] || { say running; exit 0; }
status=$(cat "$st" 2>/dev/null)
[ "$status" = 0 ] || { say not-ok "$status"; exit 0; }
if mkdir "$rb/decided" 2>/dev/null; then
  echo disarmed > "$rb/decided/by"
  systemctl stop ${quote(`${unit}.timer`)} ${quote(`${unit}.service`)} 2>/dev/null
  rm -rf -- "$rb"
  say disarmed
else
  decided
fi
`;
}
