# Sourced by the hook scripts: where the station is installed, and how to find and stop it.
# STATION_DIR must match the files: destination in appspec.yml. A confined copy of this example
# (README.md) rewrites this path here, in appspec.yml and in health-checks.yml.
# shellcheck shell=sh
STATION_DIR=/opt/air-quality-station
STATION_PIDFILE="$STATION_DIR/station.pid"

# pgid_of PID: the process group of PID (fails when PID is gone)
pgid_of() {
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # the fields after "(comm)" are: state ppid pgrp ...
  # shellcheck disable=SC2086
  set -- ${stat##*) }
  [ -n "${3:-}" ] && echo "$3"
}

# station_pid: the pid in the pid file while that process is still this station (after a reboot
# the number may belong to another process, which must not be stopped)
station_pid() {
  [ -f "$STATION_PIDFILE" ] || return 1
  pid=$(cat "$STATION_PIDFILE")
  case $pid in '' | *[!0-9]*) return 1 ;; esac
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$STATION_DIR/station.sh" || return 1
  echo "$pid"
}

# stop_station: TERM to the station's process group (the station and its sampling children),
# KILL after 10 s; then remove its pid file and the last reading.
stop_station() {
  if pid=$(station_pid); then
    target=$pid
    pgid=$(pgid_of "$pid") || pgid=
    # the whole group, unless it is ours (no setsid: the station stayed in the group that started it)
    if [ -n "$pgid" ] && [ "$pgid" -gt 1 ] && [ "$pgid" != "$(pgid_of $$)" ]; then target=-$pgid; fi
    echo "stopping station $(cat "$STATION_DIR/VERSION" 2>/dev/null) (pid $pid, process group ${pgid:-?})"
    kill -s TERM -- "$target" 2>/dev/null
    i=0
    while kill -s 0 -- "$target" 2>/dev/null; do
      i=$((i + 1))
      if [ $i -gt 50 ]; then
        echo "station still running after 10 s: killing it" >&2
        kill -s KILL -- "$target" 2>/dev/null
        break
      fi
      sleep 0.2
    done
  else
    echo "station not running"
  fi
  rm -f "$STATION_PIDFILE" "$STATION_PIDFILE.tmp" "$STATION_DIR/readings.json" "$STATION_DIR/.readings.json.tmp"
}
