// The tenant's alert function (the stack part's code package): called with one station reading,
// { station, time, pm25, pm10, ... } as the station writes readings.json, it publishes an alert
// to the tenant's SNS topic when PM2.5 is above the tenant's limit. The AWS SDK v3 comes with the
// nodejs20.x runtime, so the package is this one file.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

const sns = new SNSClient({});

export const handler = async (reading) => {
  const limit = Number(process.env.PM25_LIMIT ?? '35');
  const pm25 = Number(reading?.pm25);
  if (!Number.isFinite(pm25) || pm25 <= limit) return { alerted: false, pm25, limit };
  const station = String(reading?.station ?? 'unknown station');
  await sns.send(
    new PublishCommand({
      TopicArn: process.env.ALERT_TOPIC_ARN,
      Subject: `Air quality: PM2.5 ${pm25} at ${station}`.slice(0, 100),
      Message: JSON.stringify({ ...reading, limit, release: process.env.RELEASE_VERSION }),
    }),
  );
  return { alerted: true, pm25, limit };
};
