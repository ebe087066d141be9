#!/bin/sh
# AfterInstall: the files are in place; record what was installed and by which deployment.
DEST=/opt/air-quality-station
echo "installed station $(cat "$DEST/VERSION") for $APPLICATION_NAME ($DEPLOYMENT_GROUP_NAME), deployment $DEPLOYMENT_ID"
printf 'deployment_id=%s\n' "$DEPLOYMENT_ID" > "$DEST/installed-by"
