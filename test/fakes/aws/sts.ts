// Fake STS: GetCallerIdentity answers the caller; AssumeRole checks the request as STS does (role
// ARN, session name, duration, role chaining), then the world's roles (unknown role or wrong
// ExternalId → AccessDenied), and issues expiring session credentials.
import type { AssumeRoleInput, StsPort } from '../../../controller/aws/ports.js';
import { failer } from './errors.js';
import type { FakeAwsWorld, Principal } from './world.js';

const fail = failer('sts');
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)*?([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

export class FakeSts implements StsPort {
  constructor(
    private readonly world: FakeAwsWorld,
    private readonly caller: Principal,
    readonly region: string,
  ) {}

  async getCallerIdentity(): Promise<{ account: string; arn: string; userId: string }> {
    return { account: this.caller.account, arn: this.caller.arn, userId: `AIDA${this.caller.accessKeyId.slice(4)}` };
  }

  async assumeRole(input: AssumeRoleInput) {
    const m = ROLE_ARN.exec(input.roleArn);
    if (!m) fail('AssumeRole', 'ValidationError', 400, `${input.roleArn} is invalid`);
    if (!SESSION_NAME.test(input.sessionName)) fail('AssumeRole', 'ValidationError', 400, `Value '${input.sessionName}' at 'roleSessionName' failed to satisfy constraint`);
    const duration = input.durationSeconds ?? 3600;
    if (duration < 900 || duration > 43200) fail('AssumeRole', 'ValidationError', 400, `Value '${duration}' at 'durationSeconds' failed to satisfy constraint`);
    if (this.caller.arn.includes(':assumed-role/') && duration > 3600) {
      fail('AssumeRole', 'ValidationError', 400, 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    const rule = this.world.roles.get(input.roleArn);
    if (!rule || (rule.externalId !== undefined && rule.externalId !== input.externalId)) {
      fail('AssumeRole', 'AccessDenied', 403, `User: ${this.caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${input.roleArn}`);
    }
    const [, account, roleName] = m as RegExpExecArray as unknown as [string, string, string];
    const expiresAt = Math.floor(this.world.now / 1000) * 1000 + duration * 1000;
    const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${input.sessionName}`;
    const p = this.world.issue(account, arn, expiresAt);
    return {
      credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, sessionToken: p.sessionToken ?? '', expiration: new Date(expiresAt) },
      assumedRoleArn: arn,
    };
  }
}
