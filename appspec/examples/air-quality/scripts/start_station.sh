#!/bin/sh
# ApplicationStart: start the station in the background. Its output is redirected and stdin
# closed, so the agent does not wait on it (a backgrounded process holding the hook's stdout
# would fail the hook with "failed to close STDOUT").
DEST=/opt/air-quality-station
nohup "$DEST/station.sh" >/dev/null 2>&1 </dev/null &
echo $! > "$DEST/station.pid"
echo "started station $(cat "$DEST/VERSION") (pid $!)"
