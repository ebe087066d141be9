#!/bin/sh
# ApplicationStart: start the station in the background, in its own session and process group
# (setsid), so that ApplicationStop stops it and everything it started (station.pid).
# Its output is redirected and stdin closed, so the agent does not wait on it (a background
# process holding the hook's stdout would fail the hook with "failed to close STDOUT").
here=$(dirname "$0")
. "$here/station-lib.sh"

# one station at a time: one still running (ApplicationStart run again, or ApplicationStop
# skipped) is stopped first
if station_pid >/dev/null; then stop_station; fi

if command -v setsid >/dev/null 2>&1; then
  setsid "$STATION_DIR/station.sh" >/dev/null 2>&1 </dev/null &
else
  nohup "$STATION_DIR/station.sh" >/dev/null 2>&1 </dev/null &
fi
# the station records its pid itself (station.pid) before anything else: wait for it
i=0
until pid=$(station_pid); do
  i=$((i + 1))
  if [ $i -gt 50 ]; then
    echo "the station did not start within 10 s (no live process in $STATION_PIDFILE)" >&2
    exit 1
  fi
  sleep 0.2
done
echo "started station $(cat "$STATION_DIR/VERSION") (pid $pid)"
