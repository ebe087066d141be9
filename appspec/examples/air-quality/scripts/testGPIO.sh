#!/bin/sh
# BeforeInstall: refuse to install onto a board whose DHT11 data line is not usable.
# `edge-agent health` exits 0 healthy, 1 unhealthy (the line reads low), 2 the line cannot be read.
here=$(dirname "$0")
. "$here/edge-agent-health.sh"

edge_agent health -f "$here/health-checks.yml" --check dht11_line
rc=$?
case $rc in
  0) echo "DHT11 data line OK" ;;
  1) echo "DHT11 data line reads low: check the sensor's wiring and power (BCM 4, pin 7)" >&2 ;;
  *)
    if is_raspberry_pi; then
      echo "cannot read the DHT11 data line (exit $rc): see the reason above" >&2
    else
      # a build machine or the fleet demo: no header GPIO to test
      echo "not a Raspberry Pi: GPIO check skipped"
      rc=0
    fi
    ;;
esac
exit $rc
