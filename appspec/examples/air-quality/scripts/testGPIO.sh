#!/bin/sh
# BeforeInstall: refuse to install onto a board whose sensor GPIO line is not usable.
# PLACEHOLDER until the device-health issue ships `edge-agent health --check gpio`: it only
# checks that the configured line number is sane, and says when GPIO sysfs is absent.
DHT11_GPIO=4
case "$DHT11_GPIO" in
  ''|*[!0-9]*) echo "DHT11_GPIO is not a BCM line number: $DHT11_GPIO" >&2; exit 1 ;;
esac
if [ -d /sys/class/gpio ]; then
  echo "GPIO sysfs present; DHT11 expected on BCM $DHT11_GPIO"
else
  echo "no /sys/class/gpio on this machine (not a Pi, or a kernel without sysfs GPIO): check skipped"
fi
