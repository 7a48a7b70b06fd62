/**
 * The shell side of apply: a launcher that detaches the program from the SSH
 * session (so a dropped connection cannot leave the host half-applied) and
 * streams its events back, and the library of operations the program calls.
 *
 * Event lines are `hk<TAB>KIND<TAB>…`; everything else is ignored by the controller.
 *
 * @module
 */
import { hkMiseFunction } from "../packages/mise.ts";
import { FIREWALL_LIB } from "../kinds/firewall_host.ts";
import { ROLLBACK_FUNCTIONS } from "./remote_rollback.ts";

/**
 * `run.sh DIR`: starts `DIR/apply.sh` in a new session with its output in
 * `DIR/events.log`, follows that log until the program ends, and exits with
 * its status.
 */
export const RUN_SH = String.raw`
d=$1
# The rest of the stream (the batches' tars) is the program's to read, after the stale check.
exec 3<&0
: > "$d/events.log"
# Apply dirs stay for their events log; a week is long enough to read it.
find /var/tmp -maxdepth 1 -name 'hostkit-apply.*' -mtime +7 -exec rm -rf {} + 2>/dev/null
if command -v setsid >/dev/null 2>&1; then
  setsid sh "$d/apply.sh" "$d" >> "$d/events.log" 2>&1 < /dev/null &
else
  nohup sh "$d/apply.sh" "$d" >> "$d/events.log" 2>&1 < /dev/null &
fi
pid=$!
printf 'hk\tstarted\t%s\t%s\n' "$pid" "$d/events.log"
# -s: GNU tail checks --pid (and, without inotify, the file) once a second by default; the
# check is a kill(pid, 0), and the apply's end waits for it.
tail -s 0.01 -n +1 --pid="$pid" -f "$d/events.log" 2>/dev/null || { wait "$pid"; cat "$d/events.log"; }
wait "$pid" 2>/dev/null
status=$(cat "$d/status" 2>/dev/null || echo 1)
exit "$status"
`;

/** Operations the generated program calls; each step's output goes to `$D/out`. */
export const REMOTE_LIB = String.raw`
set -u
# The launcher unpacked the payload with umask 077; what apply creates gets the usual default.
umask 022
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# HK_MS: a monotonic clock for durations, from /proc/uptime (centiseconds) without starting a
# process (a date a step is ~5 ms on a busy host); date where /proc is missing.
hk_clock() {
  hk_up=; { read -r hk_up _; } 2>/dev/null < /proc/uptime
  case $hk_up in
    *[!0-9.]* | '') hk_up=$(date +%s%3N 2>/dev/null); case $hk_up in *[!0-9]* | '') hk_up=0 ;; esac; HK_MS=$hk_up ;;
    *.[0-9][0-9]) HK_MS=$(( \${hk_up%.*} * 1000 + 1\${hk_up#*.} * 10 - 1000 )) ;;
    *) HK_MS=$(( \${hk_up%.*} * 1000 )) ;;
  esac
}
hk_event() { printf 'hk'; for f in "$@"; do printf '\t%s' "$f"; done; printf '\n'; }
hk_finish() {
  echo "$1" > "$D/status"
  if [ "\${HK_LOCKED:-0}" = 1 ]; then
    [ "\${HK_TRACKING:-0}" = 1 ] && hk_write_record "$1"
    rm -rf "$HK_LOCK"
  fi
  hk_rb_end "$1"
  # Payloads may hold rendered secrets: only the events log and status stay behind.
  find "$D" -mindepth 1 ! -name events.log ! -name status -exec rm -rf {} + 2>/dev/null
  hk_event done "$1"
  exit "$1"
}
hk_abort() { # the program died before hk_finish (set -u, a killed command): still clean up
  [ -f "$D/status" ] && return
  hk_unstage
  hk_event error "the apply program stopped unexpectedly"
  hk_finish 1
}
hk_track_start() {
  [ "$HK_TRACK" = 1 ] || return 0
  mkdir -p "$HK_RUNS_ROOT/runs" "$HK_BACKUPS" || { hk_event error "cannot create the runs root"; hk_finish 3; }
  if [ -n "$HK_PLAN_COPY" ]; then
    mkdir -p "$(dirname -- "$HK_PLAN_COPY")" && cp -- "$D/plan.json" "$HK_PLAN_COPY"
  fi
  HK_TRACKING=1
  hk_event tracking "$HK_RECORD"
}
hk_write_record() { # exit code
  status=applied
  [ "$1" = 0 ] || status=failed
  sed_script=$D/record.sed
  printf 's/"__STATUS__"/"%s"/\ns/"__FINISHED__"/"%s"/\n' "$status" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$sed_script"
  [ -f "$D/steps.ok" ] && sed 's/.*/s\/"__STEP_&__"\/"applied"\//' "$D/steps.ok" >> "$sed_script"
  [ -f "$D/steps.failed" ] && sed 's/.*/s\/"__STEP_&__"\/"failed"\//' "$D/steps.failed" >> "$sed_script"
  echo 's/"__STEP_[0-9a-z]*__"/"not_run"/' >> "$sed_script"
  sed -f "$sed_script" "$D/record.json" > "$HK_RECORD.tmp" && mv -f "$HK_RECORD.tmp" "$HK_RECORD"
}
hk_backup() { # path: copy previous content and metadata, on the host
  [ -e "$1" ] || [ -L "$1" ] || return 0
  mkdir -p -- "$HK_BACKUPS/files$(dirname -- "$1")" && cp -p -- "$1" "$HK_BACKUPS/files$1"
}
hk_backup_list() { # file of NUL-separated paths that a batch replaces by rename: back them all up at once
  dest=$HK_BACKUPS/files
  mkdir -p -- "$dest" || return 1
  # A hard link copies nothing, and the rename that follows leaves the linked inode as it
  # was. On overlayfs a link copies up only a file still in a lower layer: never more than
  # the copy it saves (files hostkit wrote are in the upper layer). Across filesystems, copy
  # instead; --remove-destination so a copy never writes through a link a failed pass left.
  # (From /: cp --parents -a names the parents it recreates relative to the working dir.)
  if (cd / && xargs -0 cp -a -l --parents -t "$dest" -- < "$1" 2>/dev/null); then
    return 0
  fi
  (cd / && xargs -0 cp -a --remove-destination --parents -t "$dest" -- < "$1")
}
hk_boot_id() { hk_b=; { read -r hk_b; } 2>/dev/null < /proc/sys/kernel/random/boot_id; echo "$hk_b"; }
hk_lock() {
  HK_LOCK="$HK_RUNS_ROOT/lock"
  mkdir -p "$HK_RUNS_ROOT" || { hk_event error "cannot create $HK_RUNS_ROOT"; hk_finish 3; }
  # A rollback waits (up to HK_LOCK_WAIT s) for an apply that holds the lock.
  w=0; while [ -d "$HK_LOCK" ] && [ "$w" -lt "\${HK_LOCK_WAIT:-0}" ]; do sleep 1; w=$((w + 1)); done
  if ! mkdir "$HK_LOCK" 2>/dev/null; then
    holder=$(cat "$HK_LOCK/holder" 2>/dev/null || echo unknown)
    pid=$(printf '%s\n' "$holder" | sed -n 's/^pid=\([0-9]*\).*/\1/p')
    boot=$(printf '%s\n' "$holder" | sed -n 's/.* boot=\([0-9a-f-]*\).*/\1/p')
    same_boot=; [ -n "$boot" ] && [ "$boot" = "$(hk_boot_id)" ] && same_boot=1
    # A pid from before a reboot may now be someone else's process.
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && { [ -z "$boot" ] || [ -n "$same_boot" ]; }; then
      hk_event locked "$holder"; hk_finish 5
    fi
    # Provably dead: this boot's pid, and no such process. Anything less needs --break-lock.
    why=forced
    if [ -n "$pid" ] && [ -n "$same_boot" ]; then why=dead
    elif [ "$HK_BREAK_LOCK" != 1 ]; then hk_event stale-lock "$holder"; hk_finish 5
    fi
    # Renamed, not removed: of two applies breaking it at once, one moves it; the other fails
    # (or moves the winner's fresh lock, which it sees by its holder and puts back).
    if ! mv -T -- "$HK_LOCK" "$HK_LOCK.broken.$$" 2>/dev/null; then hk_event locked "$holder"; hk_finish 5; fi
    if [ "$(cat "$HK_LOCK.broken.$$/holder" 2>/dev/null || echo unknown)" != "$holder" ]; then
      mv -T -- "$HK_LOCK.broken.$$" "$HK_LOCK" 2>/dev/null; hk_event locked "$holder"; hk_finish 5
    fi
    rm -rf -- "$HK_LOCK.broken.$$"
    mkdir "$HK_LOCK" || { hk_event locked "$holder"; hk_finish 5; }
    hk_event broke-lock "$why" "$holder"
  fi
  HK_LOCKED=1
  printf 'pid=%s started=%s run=%s user=%s boot=%s\n' "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$HK_RUN_ID" \
    "\${SUDO_USER:-$(id -un)}" "$(hk_boot_id)" > "$HK_LOCK/holder"
}
hk_check_stale() {
  if [ -n "$HK_MACHINE" ] && [ "$(cat /etc/machine-id 2>/dev/null)" != "$HK_MACHINE" ]; then
    hk_event wrong-host "$(cat /etc/machine-id 2>/dev/null)"; hk_finish 4
  fi
  [ "$HK_CHECK" = 1 ] || return 0
  tab=$(printf '\t')
  sh "$D/probe.sh" | sort > "$D/actual"
  sort "$D/expected" > "$D/expected.sorted"
  if ! cmp -s "$D/expected.sorted" "$D/actual"; then
    diff "$D/expected.sorted" "$D/actual" | sed -n "s/^[<>] \([0-9]*\)$tab.*/\1/p" | sort -un |
      while read -r i; do hk_event stale "$i"; done
    hk_finish 4
  fi
}
hk_step() {
  n=$1; shift
  hk_event step "$n" start
  hk_clock; t0=$HK_MS
  if ( eval "$*" ) > "$D/out" 2>&1 < /dev/null; then
    echo "$n" >> "$D/steps.ok"
    [ "\${HK_RB_ARMED:-0}" = 1 ] && echo "$n" >> "$HK_RB/steps.ok"
    hk_clock; hk_event step "$n" ok $(( HK_MS - t0 ))
  else
    rc=$?
    echo "$n" >> "$D/steps.failed"
    [ "\${HK_RB_ARMED:-0}" = 1 ] && echo "$n" >> "$HK_RB/steps.failed"
    hk_unstage
    hk_clock; hk_event step "$n" fail $(( HK_MS - t0 )) "$rc"
    tail -n 40 "$D/out" | while IFS= read -r line; do hk_event log "$n" "$line"; done
    if [ "$rc" = 7 ] && [ "$n" = "\${HK_GUARD:-}" ]; then hk_event refused "$n"; hk_finish 7; fi
    hk_finish 3
  fi
}
hk_guard() { # n command: a check before any change; its exit 7 refuses the apply (exit 7, as the plan's refusal), any other failure fails it (3)
  HK_GUARD=$1
  hk_step "$@"
  HK_GUARD=
}
hk_own() { # path owner group mode (never through a symlink)
  if [ -L "$1" ]; then echo "$1 is a symlink: not changing its target's owner or mode"; return 1; fi
  if [ -n "$2" ] || [ -n "$3" ]; then chown -h -- "$2\${3:+:$3}" "$1" || return 1; fi
  [ -z "$4" ] || chmod -- "$4" "$1"
}
hk_meta() { # dest owner group mode: sets o, g, m; what is not given stays as the existing file has it
  o=$2; g=$3; m=$4
  if { [ -z "$o" ] || [ -z "$g" ] || [ -z "$m" ]; } && [ -e "$1" ]; then
    set -- $(stat -c '%u %g %a' -- "$1")
    o=\${o:-$1}; g=\${g:-$2}; m=\${m:-$3}
  fi
  m=\${m:-0644}
}
hk_write() { # dest source owner group mode: source is a payload name, =PATH on the host, or - (metadata only)
  dir=\${1%/*}; dir=\${dir:-/}
  [ -d "$dir" ] || mkdir -p -- "$dir" || return 1
  if [ "$2" = - ]; then hk_own "$1" "$3" "$4" "$5"; return; fi
  case $2 in =*) src=\${2#=} ;; *) src=$D/$2 ;; esac
  tmp=$(mktemp "$dir/.hostkit.XXXXXX") || return 1
  hk_meta "$1" "$3" "$4" "$5"
  install -m "$m" \${o:+-o "$o"} \${g:+-g "$g"} -- "$src" "$tmp" && sync -- "$tmp" 2>/dev/null
  if [ -n "\${HK_VALIDATE:-}" ] && ! hk_validate "$HK_VALIDATE" "$tmp" "$1"; then rm -f -- "$tmp"; return 1; fi
  if ! mv -f -- "$tmp" "$1"; then rm -f -- "$tmp"; return 1; fi
}
hk_ids() { # u:USER… g:GROUP…: tar would silently fall back to root for an unknown name
  for id in "$@"; do
    case $id in
      u:*) id -u -- "\${id#u:}" >/dev/null 2>&1 || { echo "no user \${id#u:} on this host"; return 1; } ;;
      g:*) getent group "\${id#g:}" >/dev/null || { echo "no group \${id#g:} on this host"; return 1; } ;;
    esac
  done
}
hk_receive() { # batch size early count ids… stage dirs…: take a batch's tar off the stream (fd 3)
  r_b=$1 r_size=$2 r_early=$3 r_n=$4; shift 4
  # Shipped with the program (a rollback armed ahead of time): nothing follows on the stream.
  if [ -f "$D/b/$r_b.tar" ]; then hk_event received "$r_b" kept; return 0; fi
  while [ "$r_n" -gt 0 ]; do
    [ "$r_early" = 0 ] || hk_ids "$1" >/dev/null 2>&1 || r_early=0
    shift; r_n=$((r_n - 1))
  done
  mkdir -p "$D/b" || hk_finish 3
  # Straight into the stage dirs when nothing before the batch's step has to run first (the
  # controller's early flag, owners that exist). Parents made for them go again on failure.
  if [ "$r_early" = 1 ]; then
    for r_s in "$@"; do
      r_p=\${r_s%/*} r_top=
      while [ -n "$r_p" ] && [ ! -d "$r_p" ]; do r_top=$r_p; r_p=\${r_p%/*}; done
      [ -z "$r_top" ] || printf '%s\0' "$r_top" >> "$D/made"
    done
    if HK_STAGES=$D/stages.$r_b && hk_stage "$@" > "$D/out" 2>&1; then
      if head -c "$r_size" <&3 | tar -x -m -p --no-overwrite-dir -f - -C / > "$D/out" 2>&1; then
        : > "$D/b/$r_b.staged"
        HK_STAGES=
        hk_event received "$r_b" staged
        return 0
      fi
      hk_event error "receiving the files of step $r_b failed: $(tail -n 3 "$D/out" | tr '\n' ' ')"
      hk_unstage; hk_finish 3
    fi
    # Left for its step, which reports why it cannot stage (e.g. a name already taken).
    [ -s "$D/stages.$r_b" ] && xargs -0 rm -rf -- < "$D/stages.$r_b"
    rm -f -- "$D/stages.$r_b"
  fi
  HK_STAGES=
  head -c "$r_size" <&3 > "$D/b/$r_b.tar"
  if [ "$(wc -c < "$D/b/$r_b.tar")" -ne "$r_size" ]; then
    hk_event error "the files of step $r_b did not arrive (the connection was lost?)"; hk_finish 3
  fi
  hk_event received "$r_b" kept
}
hk_unpack() { # batch stage dirs…: stage a batch that hk_receive kept for its step
  [ -f "$D/b/$1.staged" ] && return 0
  u_b=$1; shift
  HK_STAGES=$D/stages.$u_b
  hk_stage "$@" && tar -x -m -p --no-overwrite-dir -f "$D/b/$u_b.tar" -C /
}
hk_stage() { # stage dirs…: remembered first (in HK_STAGES), so a failure can remove them (hk_unstage)
  list=\${HK_STAGES:-$D/stages}
  for s in "$@"; do
    # mkdir is atomic and never follows a symlink planted at this name.
    p=\${s%/*}
    [ -d "\${p:-/}" ] || mkdir -p -- "\${p:-/}" || return 1
    mkdir -m 700 -- "$s" || { echo "cannot create $s"; return 1; }
    printf '%s\0' "$s" >> "$list"
  done
}
hk_commit() { # [batch]: flush the batch's staged files, then rename each over its destination
  list=$D/stages\${1:+.$1}
  [ -s "$list" ] || return 0
  xargs -0 sync -f -- < "$list" 2>/dev/null || sync
  xargs -0 sh -c 'for s; do d=\${s%/*}; find "$s" -mindepth 1 -maxdepth 1 -exec mv -f -t "\${d:-/}" -- {} + && rmdir -- "$s" || exit 1; done' sh < "$list"
  rc=$?
  # After a failed rename the rest stays staged for hk_unstage to remove.
  [ "$rc" -ne 0 ] || rm -f "$list"
  return $rc
}
hk_unstage() { # a failed apply renames nothing more: drop what every batch staged, and parents made for it
  for list in "$D/stages" "$D"/stages.*; do
    [ -s "$list" ] && xargs -0 rm -rf -- < "$list"
    rm -f -- "$list"
  done
  [ -s "$D/made" ] && xargs -0 sh -c 'for m; do find "$m" -depth -type d -empty -delete; done' sh < "$D/made" 2>/dev/null
  rm -f -- "$D/made"
}
hk_dir() { # path owner group mode
  mkdir -p -- "$1" && hk_own "$1" "$2" "$3" "$4"
}
hk_link() { # path target [owner group]: the link's own owner (chown -h), set before it is renamed in
  dir=\${1%/*}; dir=\${dir:-/}
  [ -d "$dir" ] || mkdir -p -- "$dir" || return 1
  tmp=$(mktemp -u "$dir/.hostkit.XXXXXX") || return 1
  ln -s -- "$2" "$tmp" || return 1
  if [ -n "\${3:-}\${4:-}" ] && ! chown -h -- "\${3:-}\${4:+:$4}" "$tmp"; then rm -f -- "$tmp"; return 1; fi
  mv -Tf -- "$tmp" "$1"
}
hk_rm() { rm -f -- "$1"; }
hk_rmdir() { # only an empty directory: what others put there since is not ours to delete
  [ -e "$1" ] || return 0
  rmdir -- "$1" || { echo "$1 is not empty: left in place"; return 1; }
}
hk_group() { # name [groupadd options…]
  name=$1; shift
  getent group "$name" >/dev/null || groupadd "$@" -- "$name"
}
hk_install() { # manager update packages…
  pm=$1; update=$2; shift 2
  case $pm in
    apt)
      export DEBIAN_FRONTEND=noninteractive
      if [ "$update" = 1 ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
        apt-get update -q || return 1
      fi
      apt-get install -y -q --no-install-recommends --allow-downgrades -- "$@" ;;
    dnf) dnf install -y -- "$@" ;;
    apk) [ "$update" = 1 ] && apk update; apk add -- "$@" ;;
    pacman) pacman -S --noconfirm --needed $([ "$update" = 1 ] && echo -y) -- "$@" ;;
    *) echo "no supported package manager on this host"; return 1 ;;
  esac
}
hk_remove_packages() { # manager packages…
  pm=$1; shift
  case $pm in
    apt) DEBIAN_FRONTEND=noninteractive apt-get remove -y -q -- "$@" ;;
    dnf) dnf remove -y -- "$@" ;;
    apk) apk del -- "$@" ;;
    pacman) pacman -R --noconfirm -- "$@" ;;
  esac
}
__HK_MISE__
hk_as() { # user cwd argv…
  user=$1; cwd=$2; shift 2
  [ -z "$cwd" ] || cd -- "$cwd" || return 1
  if [ -z "$user" ] || [ "$user" = "$(id -un)" ]; then "$@"; return; fi
  if command -v runuser >/dev/null 2>&1; then runuser -u "$user" -- "$@"; else sudo -n -u "$user" -- "$@"; fi
}
hk_activate() { # reload written… -- enable… -- start… -- (start words: UNIT or UNIT=SETTLE_MS; names never need quoting)
  reload=$1; shift
  written=; enable=; start=; gate=
  while [ "$1" != -- ]; do written="$written $1"; shift; done; shift
  while [ "$1" != -- ]; do enable="$enable $1"; shift; done; shift
  while [ "$1" != -- ]; do start="$start \${1%%=*}"; gate="$gate $1"; shift; done
  [ -n "$written$enable" ] && reload=1
  # The daemon-reload (~0.3 s of PID 1's work) runs during the settle window when no start needs
  # it first: systemd reads a unit it has not loaded, or knows only as not found, from its file
  # when asked for it. A unit it holds from an older text or another file needs the reload first.
  if [ "$reload" = 1 ] && [ -n "$start" ] && { [ -z "$written" ] || hk_units_fresh $written; }; then
    reload=later
  fi
  if [ -n "$enable" ]; then systemctl enable --no-reload --quiet -- $enable || return 1; fi
  if [ "$reload" = 1 ]; then systemctl daemon-reload || return 1; fi
  [ -n "$start" ] || return 0
  # restart waits for each start job: a Type=notify unit is READY when it returns.
  if ! systemctl restart -- $start; then
    for u in $start; do hk_journal "$u"; done
    [ "$reload" = later ] && systemctl daemon-reload
    return 1
  fi
  [ "$reload" = later ] || { hk_gate $gate; return; }
  systemctl daemon-reload & reloading=$!
  gated=0; hk_gate $gate || gated=1
  wait "$reloading" || { echo "systemctl daemon-reload failed"; return 1; }
  return $gated
}
hk_units_fresh() { # units…: true when systemd holds each as loaded from its file here, as it is now
  systemctl show -p Id,LoadState,NeedDaemonReload,FragmentPath -- "$@" 2>/dev/null |
    awk -F= -v want=$# 'function out() {
        if (seen) fresh += v["LoadState"] == "loaded" && v["NeedDaemonReload"] == "no" &&
          v["FragmentPath"] == "/etc/systemd/system/" v["Id"]
        seen = 0; split("", v)
      }
      NF == 0 { out(); next } { seen = 1; v[$1] = substr($0, length($1) + 2) }
      END { out(); exit fresh == want ? 0 : 1 }'
}
hk_units_state() { # units…: ONE systemctl show; a line per unit: active sub result restarts invocation type
  systemctl show -p ActiveState,SubState,Result,NRestarts,InvocationID,Type -- "$@" 2>/dev/null |
    awk -F= 'function f(k) { return (k in v && v[k] != "") ? v[k] : "-" }
      function out() {
        if (seen) print f("ActiveState"), f("SubState"), f("Result"), f("NRestarts"), f("InvocationID"), f("Type")
        seen = 0; split("", v)
      }
      NF == 0 { out(); next } { seen = 1; v[$1] = $2 } END { out() }'
}
hk_gate_event() { # start MAX_MS UNITS | ok MS | fail MS: the settle window is its own progress step
  [ -n "\${D:-}" ] && [ -f "$D/events.log" ] || return 0
  hk_event settle "\${n:-0}" "$@" >> "$D/events.log"
}
# The health gate: every started unit is watched at once for its settle window (default 1 s),
# so the window is paid once per apply. A unit fails it when it leaves active, its result is
# not success, NRestarts grows or its InvocationID changes: a restart loop looks "active" in
# most single samples of ActiveState. A oneshot is judged by its Result; other units (timers)
# only need to be active. A unit still activating has HK_START_TIMEOUT tenths of a second.
# Units are sampled every 250 ms and once more as the longest window ends: a sample is a
# systemctl call (and PID 1's work to answer it), which hosts sharing cores pay for each other.
hk_gate() { # UNIT[=MS]…
  hk_clock; t0=$HK_MS; i=0; max=0; units=
  # The journal's --since wants the wall clock.
  since=$(date +%s 2>/dev/null); case $since in *[!0-9]* | '') since=1 ;; esac; since=$((since - 1))
  for w in "$@"; do
    i=$((i + 1)); u=\${w%%=*}; ms=1000
    case $w in *=*) ms=\${w#*=} ;; esac
    case $u in *.service) ;; *) ms=0 ;; esac
    [ "$ms" -gt "$max" ] && max=$ms
    eval "g_u$i=\$u g_ms$i=\$ms g_inv$i= g_nr$i= g_seen$i= g_done$i="
    units="$units $u"
  done
  count=$i; [ "$max" -gt 0 ] && hk_gate_event start "$max" "\${units# }"
  failed=; pending=1; wait_ms=$((HK_START_TIMEOUT * 100))
  while [ -n "$pending" ]; do
    pending=; hk_clock; elapsed=$(( HK_MS - t0 )); i=0
    state=$(hk_units_state $units)
    while read -r active sub result restarts inv type; do
      i=$((i + 1))
      eval "u=\$g_u$i ms=\$g_ms$i inv0=\$g_inv$i nr0=\$g_nr$i done=\$g_done$i"
      [ -n "$done" ] && continue
      if [ -z "$inv0" ]; then inv0=$inv nr0=$restarts; eval "g_inv$i=\$inv g_nr$i=\$restarts"; fi
      case " $(eval "echo \$g_seen$i") " in *" $inv "*) ;; *) eval "g_seen$i=\"\$g_seen$i \$inv\"" ;; esac
      why=
      case $u in
        *.service)
          if [ "$restarts" != "$nr0" ] && [ "$restarts" != - ]; then
            why="restarted within its settle window (NRestarts $restarts, now $active/$sub)"
          elif [ "$inv" != "$inv0" ]; then why="was restarted within its settle window (new invocation $inv, now $active/$sub)"
          elif [ "$type" = oneshot ]; then
            [ "$result" = success ] || why="ended with result $result ($active/$sub)"
          elif [ "$result" != success ] && [ "$result" != - ]; then why="failed: result $result (now $active/$sub)"
          elif [ "$active" = activating ] || [ "$active" = reloading ]; then
            if [ "$elapsed" -ge "$wait_ms" ]; then why="did not become active (state: $active/$sub)"; else pending=1; continue; fi
          elif [ "$active" != active ]; then why="left active: now $active/$sub"
          fi ;;
        *) if [ "$active" != active ]; then
             if [ "$active" = activating ] && [ "$elapsed" -lt "$wait_ms" ]; then pending=1; continue; fi
             why="did not become active (state: $active/$sub)"
           fi ;;
      esac
      if [ -n "$why" ]; then
        echo "$u $why"; eval "g_done$i=1"; failed="$failed $i"; continue
      fi
      if [ "$elapsed" -lt "$ms" ]; then pending=1; else eval "g_done$i=1"; fi
    done <<EOF
$state
EOF
    [ -n "$failed" ] && break
    [ -z "$pending" ] && break
    hk_clock; left=$(( max - (HK_MS - t0) ))
    if [ "$left" -gt 0 ] && [ "$left" -lt 250 ]; then
      case $left in ?) left=00$left ;; ??) left=0$left ;; esac; sleep "0.$left"
    else sleep 0.25; fi
  done
  if [ -n "$failed" ]; then
    journalctl --sync 2>/dev/null || :
    for i in $failed; do eval "HK_SINCE=\$since hk_journal \"\$g_u$i\" \$g_seen$i"; done
    hk_clock; [ "$max" -gt 0 ] && hk_gate_event fail $(( HK_MS - t0 ))
    return 1
  fi
  hk_clock; [ "$max" -gt 0 ] && hk_gate_event ok $(( HK_MS - t0 ))
  return 0
}
hk_deactivate() { # units… (stop and disable before their files are removed)
  for u in "$@"; do systemctl disable --now --quiet -- "$u" 2>/dev/null || :; done
}
hk_journal() { # unit [invocation ids…]: its lines since HK_SINCE (epoch s), else its last 20
  u=$1; shift
  if [ -n "\${HK_SINCE:-}" ]; then
    # Its processes' output and what systemd logged about it; in containers the invocation id
    # is not always attached to a process's output, the unit name is.
    matches="_SYSTEMD_UNIT=$u + UNIT=$u"
    for id in "$@"; do
      [ "$id" = - ] || matches="$matches + _SYSTEMD_INVOCATION_ID=$id + INVOCATION_ID=$id"
    done
    journalctl --no-pager -o cat -n 40 --since "@$HK_SINCE" $matches 2>/dev/null | sed "s|^|$u: |"
  else
    journalctl -u "$u" -n 20 --no-pager -o cat 2>/dev/null | sed "s|^|$u: |"
  fi
}
hk_validate() { # cmd staged [dest staged dest…]: check staged files before they replace the old ones
  cmd=$1; shift
  case $cmd in
    *HK_STAGED*) HK_STAGED=$1 sh -c "$cmd" < /dev/null ;;
    *)
      command -v unshare >/dev/null 2>&1 || { echo "validate without %s needs unshare (util-linux) on the host"; return 1; }
      D=$D unshare -m --propagation private sh -c '. "$D/lib.sh" && hk_view_run "$@"' sh "$cmd" "$@" < /dev/null ;;
  esac
}
hk_view_run() { # cmd staged dest…: inside a private mount namespace, show each staged file at its destination
  cmd=$1; shift
  t=$(mktemp -d) && mount -t tmpfs hk-view "$t" || { echo "cannot mount a private view for validate"; return 1; }
  : > "$t/dirs"; i=0
  while [ $# -ge 2 ]; do
    staged=$1; dest=$2; shift 2
    dir=\${dest%/*}; dir=\${dir:-/}
    if ! grep -qxF -- "$dir" "$t/dirs"; then
      i=$((i + 1)); mkdir "$t/$i" "$t/$i/u" "$t/$i/w"
      mount -t overlay hk-view -o "lowerdir=$dir,upperdir=$t/$i/u,workdir=$t/$i/w" "$dir" ||
        { echo "cannot overlay $dir for validate"; return 1; }
      printf '%s\n' "$dir" >> "$t/dirs"
    fi
    cp -p -- "$staged" "$dest" && rm -f -- "$staged" || return 1
  done
  # Stage dirs and temporary names are no part of the configuration being checked.
  while IFS= read -r dir; do
    find "$dir" -maxdepth 1 \( -name '.hostkit-stage.*' -o -name '.hostkit.*' \) -exec rm -rf {} + 2>/dev/null
  done < "$t/dirs"
  sh -c "$cmd"
}
hk_pending() { # action unit…: remembered before the write that needs them, forgotten once run
  a=$1; shift
  for u in "$@"; do
    grep -qxF -- "$a $u" "$HK_RUNS_ROOT/triggers" 2>/dev/null || printf '%s %s\n' "$a" "$u" >> "$HK_RUNS_ROOT/triggers"
  done
}
hk_notify() { # reload units… -- restart units… --
  reload=; restart=
  while [ "$1" != -- ]; do reload="$reload $1"; shift; done; shift
  while [ "$1" != -- ]; do restart="$restart $1"; shift; done
  if [ -n "$reload" ]; then
    systemctl reload-or-restart -- $reload || { for u in $reload; do hk_journal "$u"; done; return 1; }
  fi
  if [ -n "$restart" ]; then
    systemctl restart -- $restart || { for u in $restart; do hk_journal "$u"; done; return 1; }
  fi
  [ -f "$HK_RUNS_ROOT/triggers" ] || return 0
  { for u in $reload; do echo "reload $u"; done; for u in $restart; do echo "restart $u"; echo "reload $u"; done; } > "$D/ran"
  grep -vxF -f "$D/ran" "$HK_RUNS_ROOT/triggers" > "$D/left"
  if [ -s "$D/left" ]; then mv -f "$D/left" "$HK_RUNS_ROOT/triggers"; else rm -f "$HK_RUNS_ROOT/triggers"; fi
}
hk_line_add() { # path line: append the line once; a copy with it replaces the file (the rest kept)
  dir=\${1%/*}; dir=\${dir:-/}
  [ -d "$dir" ] || mkdir -p -- "$dir" || return 1
  grep -qxF -- "$2" "$1" 2>/dev/null && return 0
  tmp=$(mktemp "$dir/.hostkit.XXXXXX") || return 1
  if [ -f "$1" ]; then
    cp -p -- "$1" "$tmp" || { rm -f -- "$tmp"; return 1; }
    # A last line without its newline must not swallow ours.
    if [ -s "$tmp" ] && [ -n "$(tail -c 1 -- "$tmp")" ]; then echo >> "$tmp"; fi
  else
    chmod 0644 "$tmp"
  fi
  printf '%s\n' "$2" >> "$tmp" && sync -- "$tmp" 2>/dev/null
  if [ -n "\${HK_VALIDATE:-}" ] && ! hk_validate "$HK_VALIDATE" "$tmp" "$1"; then rm -f -- "$tmp"; return 1; fi
  mv -f -- "$tmp" "$1" || { rm -f -- "$tmp"; return 1; }
}
hk_line_remove() { # path line: every copy of the line goes; the rest of the file stays
  [ -f "$1" ] || return 0
  grep -qxF -- "$2" "$1" || return 0
  dir=\${1%/*}; dir=\${dir:-/}
  tmp=$(mktemp "$dir/.hostkit.XXXXXX") || return 1
  cp -p -- "$1" "$tmp" && { grep -vxF -- "$2" "$1" > "$tmp" || [ $? -eq 1 ]; } || { rm -f -- "$tmp"; return 1; }
  if [ -n "\${HK_VALIDATE:-}" ] && ! hk_validate "$HK_VALIDATE" "$tmp" "$1"; then rm -f -- "$tmp"; return 1; fi
  mv -f -- "$tmp" "$1" || { rm -f -- "$tmp"; return 1; }
}
hk_unless() { # guard argv…: runs the command unless the shell test guard succeeds
  guard=$1; shift
  if ( sh -c "$guard" ) >/dev/null 2>&1 < /dev/null; then echo "skipped: its unless guard holds"; return 0; fi
  "$@"
}
hk_created() { # id…: what hostkit created, so a later plan can warn when nothing declares it
  for id in "$@"; do
    grep -qxF -- "$id" "$HK_RUNS_ROOT/created" 2>/dev/null || printf '%s\n' "$id" >> "$HK_RUNS_ROOT/created"
  done
}
__HK_FIREWALL__
`.replaceAll("\\${", "${")
  .replace("__HK_MISE__\n", hkMiseFunction())
  // A function, not a string: the library's "$$" must not be read as a replacement pattern.
  .replace("__HK_FIREWALL__\n", () => FIREWALL_LIB) + ROLLBACK_FUNCTIONS;
