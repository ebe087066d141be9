#!/bin/sh
# ValidateService: the deployment succeeds only once the station has produced a reading.
# PLACEHOLDER until the device-health issue ships `edge-agent health --check sensors`, which will
# also range-check the DHT11/SDS011 values.
DEST=/opt/air-quality-station
i=0
while [ $i -lt 50 ]; do
  if [ -s "$DEST/readings.json" ]; then
    echo "first reading: $(cat "$DEST/readings.json")"
    exit 0
  fi
  i=$((i + 1))
  sleep 0.2
done
echo "no sensor reading after 10 s: is the SDS011 connected to $(grep SDS011_TTY "$DEST/station.conf" | cut -d= -f2)?" >&2
exit 1
