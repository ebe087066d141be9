#!/bin/sh
# The station loop: sample the sensors, keep the latest reading in readings.json.
# Sensor access is simulated when the hardware is absent (e.g. on a build machine), so the
# example runs anywhere; on a Pi, replace read_dht11/read_sds011 with your drivers.
here=$(cd "$(dirname "$0")" && pwd)
# work in the install folder (a daemon must not hold the directory it was started from)
cd "$here" || exit 1
# record this process first, so ApplicationStop finds it whatever happens next (started with
# setsid, it also leads the process group of everything it starts)
echo $$ > station.pid.tmp && mv -f station.pid.tmp station.pid
. "$here/station.conf"
version=$(cat "$here/VERSION")

# AIR_QUALITY_SIMULATE_FAULT=sds011 simulates a particle sensor that does not answer (the fleet
# demo uses it to show a failed ValidateService on one device).
read_dht11() { echo "21.5 48"; }      # temperature (C), relative humidity (%)
read_sds011() {                       # PM2.5, PM10 (ug/m3)
  [ "${AIR_QUALITY_SIMULATE_FAULT:-}" = sds011 ] && return 1
  echo "7.1 12.4"
}

while :; do
  if pm=$(read_sds011); then
    # the calibration offset (station.conf) applies to PM2.5 only
    pm=$(echo "$pm" | awk -v o="${PM25_OFFSET:-0}" '{ print $1 + o, $2 }')
    # shellcheck disable=SC2046,SC2086
    set -- $(read_dht11) $pm
    tmp="$here/.readings.json.tmp"
    printf '{"version":"%s","time":"%s","temperature":%s,"humidity":%s,"pm25":%s,"pm10":%s}\n' \
      "$version" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" "$2" "$3" "$4" > "$tmp"
    mv "$tmp" "$here/readings.json"
  fi
  sleep "${SAMPLE_SECONDS:-2}"
done
