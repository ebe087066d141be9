#!/bin/sh
# ApplicationStop: runs from the PREVIOUS revision (skipped on the first deployment).
# DEST is where appspec.yml installs the app; the demo rewrites it.
DEST=/opt/air-quality-station
pidfile="$DEST/station.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "stopping station $(cat "$DEST/VERSION") (pid $(cat "$pidfile"))"
  kill "$(cat "$pidfile")"
else
  echo "station not running"
fi
rm -f "$pidfile" "$DEST/readings.json"
