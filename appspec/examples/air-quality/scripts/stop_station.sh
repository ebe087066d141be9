#!/bin/sh
# ApplicationStop: runs from the PREVIOUS revision (skipped on the first deployment), so it stops
# what that revision's start_station.sh started: the station's whole process group.
here=$(dirname "$0")
. "$here/station-lib.sh"
stop_station
