// StsPort over @aws-sdk/client-sts.
import { AssumeRoleCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { EdgeError } from '../../../shared/errors.js';
import { sdkCall } from '../sdk-errors.js';
import type { StsPort } from '../ports.js';

const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => sdkCall({ service: 'sts', operation }, run);

export function stsAdapter(client: STSClient): StsPort {
  return {
    async getCallerIdentity() {
      const r = await call('GetCallerIdentity', () => client.send(new GetCallerIdentityCommand({})));
      return { account: r.Account ?? '', arn: r.Arn ?? '', userId: r.UserId ?? '' };
    },
    async assumeRole(input) {
      const command = new AssumeRoleCommand({
        RoleArn: input.roleArn,
        RoleSessionName: input.sessionName,
        ...(input.externalId !== undefined ? { ExternalId: input.externalId } : {}),
        ...(input.durationSeconds !== undefined ? { DurationSeconds: input.durationSeconds } : {}),
      });
      const r = await call('AssumeRole', () => client.send(command));
      const c = r.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
        const details = { service: 'sts', operation: 'AssumeRole' };
        throw new EdgeError('AWS_ASSUME_ROLE_FAILED', `AssumeRole ${input.roleArn} returned no credentials`, { details });
      }
      return {
        credentials: {
          accessKeyId: c.AccessKeyId,
          secretAccessKey: c.SecretAccessKey,
          ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}),
          expiration: c.Expiration,
        },
        assumedRoleArn: r.AssumedRoleUser?.Arn ?? '',
      };
    },
  };
}
