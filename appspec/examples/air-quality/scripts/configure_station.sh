#!/bin/sh
# AfterInstall: the files are in place; record what was installed and by which deployment.
here=$(dirname "$0")
. "$here/station-lib.sh"
echo "installed station $(cat "$STATION_DIR/VERSION") for $APPLICATION_NAME ($DEPLOYMENT_GROUP_NAME), deployment $DEPLOYMENT_ID"
printf 'deployment_id=%s\n' "$DEPLOYMENT_ID" > "$STATION_DIR/installed-by"
