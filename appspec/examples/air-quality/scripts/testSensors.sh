#!/bin/sh
# ValidateService: the deployment succeeds only once the station has produced a reading whose
# DHT11 and SDS011 values are fresh and in range (edge-agent health: exit 0 healthy, 1 a value is
# out of range or stale, 2 no reading at all).
here=$(dirname "$0")
. "$here/edge-agent-health.sh"
. "$here/station-lib.sh"

# the station starts in the background: give it 10 s for its first reading
i=0
while [ $i -lt 50 ] && [ ! -s "$STATION_DIR/readings.json" ]; do
  i=$((i + 1))
  sleep 0.2
done

edge_agent health -f "$here/health-checks.yml" --check dht11_temperature,dht11_humidity,sds011_pm25,sds011_pm10
rc=$?
if [ $rc -ne 0 ]; then
  echo "sensor checks failed (exit $rc): is the SDS011 connected to $(grep SDS011_TTY "$STATION_DIR/station.conf" | cut -d= -f2)?" >&2
fi
exit $rc
