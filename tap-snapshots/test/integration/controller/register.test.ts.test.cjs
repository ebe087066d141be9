/* IMPORTANT
 * This snapshot file is auto-generated, but designed for humans.
 * It should be checked into source control and tracked carefully.
 * Re-generate by setting TAP_SNAPSHOT=1 and running tests.
 * Make sure to inspect the output below.  Do not ignore changes!
 */
'use strict'
exports[`test/integration/controller/register.test.ts > TAP > --json schema snapshot (fleetctl.register/v1) > register --json 1`] = `
{
  "schema": "fleetctl.register/v1",
  "region": "us-east-1",
  "setup": [],
  "summary": {
    "total": 2,
    "registered": 2,
    "updated": 0,
    "unchanged": 0,
    "conflict": 0,
    "failed": 0
  },
  "devices": [
    {
      "name": "snap-1",
      "identity": "iam-session",
      "outcome": "registered",
      "arn": "arn:aws:sts::111111111111:assumed-role/edge/snap-1",
      "actions": [
        "bundle written",
        "registered",
        "tags +fleet=snap,site=a"
      ],
      "notes": [],
      "bundle": "<out>/snap-1"
    },
    {
      "name": "snap-2",
      "identity": "iam-session",
      "outcome": "registered",
      "arn": "arn:aws:sts::111111111111:assumed-role/edge/snap-2",
      "actions": [
        "bundle written",
        "registered",
        "tags +fleet=snap,site=b"
      ],
      "notes": [],
      "bundle": "<out>/snap-2"
    }
  ],
  "stats": {
    "apiCalls": 5,
    "callsByOperation": {
      "codedeploy.AddTagsToOnPremisesInstances": 2,
      "codedeploy.BatchGetOnPremisesInstances": 1,
      "codedeploy.RegisterOnPremisesInstance": 2
    },
    "retries": 0,
    "throttledRetries": 0,
    "backoffMs": 0
  }
}

`
