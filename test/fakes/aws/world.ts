// The fake AWS world behind the stateful fakes: principals (access keys → account, ARN, expiry), the
// roles that may be assumed, a wall clock, fault injection, a call log, and one state per account
// and region for each service. `fakeFactory(world)` is a PortFactory: every call is signed (the
// credentials provider is asked, as the SDK does), checked (unknown key → AWS_CREDENTIALS_REJECTED,
// expired → AWS_CREDENTIALS_EXPIRED), put through the faults, and run against that caller's state.
import type { PortFactory } from '../../../controller/aws/clients.js';
import type { PortOf, Service, SessionCredentials } from '../../../controller/aws/ports.js';
import { awsFailure } from './errors.js';
import { Faults } from './faults.js';
import { FakeCloudFormation } from './cloudformation.js';
import { FakeCloudWatch } from './cloudwatch.js';
import { FakeCodeDeploy } from './codedeploy.js';
import { FakeIam } from './iam.js';
import { FakeIot, FakeIotData } from './iot.js';
import { FakeS3 } from './s3.js';
import { FakeSts } from './sts.js';

export interface Principal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly account: string;
  readonly arn: string;
  readonly expiresAt?: number;
}

export interface RoleRule {
  /** When set, AssumeRole must pass exactly this ExternalId. */
  readonly externalId?: string;
}

export interface CallRecord {
  readonly service: Service;
  readonly operation: string;
  readonly account: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly args: readonly unknown[];
}

export const BASE_ACCOUNT = '111111111111';

export class FakeAwsWorld {
  now: number;
  readonly faults = new Faults();
  readonly calls: CallRecord[] = [];
  readonly principals = new Map<string, Principal>();
  readonly roles = new Map<string, RoleRule>();
  readonly base: Principal;
  private readonly states = new Map<string, unknown>();
  private keys = 0;

  constructor(opts: { now?: number; account?: string } = {}) {
    this.now = opts.now ?? Date.parse('2030-01-01T00:00:00Z');
    this.base = this.issue(opts.account ?? BASE_ACCOUNT, `arn:aws:iam::${opts.account ?? BASE_ACCOUNT}:user/operator`);
  }

  issue(account: string, arn: string, expiresAt?: number): Principal {
    const n = (++this.keys).toString().padStart(12, '0');
    const p: Principal = {
      accessKeyId: `${expiresAt === undefined ? 'AKIA' : 'ASIA'}FAKE${n}`,
      secretAccessKey: `secret-${n}`,
      ...(expiresAt !== undefined ? { sessionToken: `token-${n}`, expiresAt } : {}),
      account,
      arn,
    };
    this.principals.set(p.accessKeyId, p);
    return p;
  }

  addRole(roleArn: string, rule: RoleRule = {}): void {
    this.roles.set(roleArn, rule);
  }

  advance(ms: number): void {
    this.now += ms;
  }

  /** The state of a service for an account and region (IAM is global: region ignored). */
  state<T>(service: 'codedeploy' | 's3' | 'iot' | 'iam' | 'cloudformation' | 'cloudwatch', account: string, region: string): T {
    const key = `${service}|${account}|${service === 'iam' || service === 's3' ? '*' : region}`;
    let s = this.states.get(key);
    if (!s) {
      const clock = (): Date => new Date(this.now);
      s =
        service === 'codedeploy'
          ? new FakeCodeDeploy({ account, region, clock })
          : service === 's3'
            ? new FakeS3({ clock, account, directory: (bucket) => this.bucketOwner(bucket) })
            : service === 'iot'
              ? new FakeIot({ account, region })
              : service === 'cloudformation'
                ? new FakeCloudFormation({ account, region, clock: () => this.now, readUrl: (url) => this.readS3Url(account, url) })
                : service === 'cloudwatch'
                  ? new FakeCloudWatch({ account, region, clock })
                  : new FakeIam({ account });
      this.states.set(key, s);
    }
    return s as T;
  }

  codedeploy = (account = this.base.account, region = 'eu-west-1'): FakeCodeDeploy => this.state('codedeploy', account, region);
  s3 = (account = this.base.account): FakeS3 => this.state('s3', account, '*');
  iot = (account = this.base.account, region = 'eu-west-1'): FakeIot => this.state('iot', account, region);
  iam = (account = this.base.account): FakeIam => this.state('iam', account, '*');
  cloudformation = (account = this.base.account, region = 'eu-west-1'): FakeCloudFormation => this.state('cloudformation', account, region);
  cloudwatch = (account = this.base.account, region = 'eu-west-1'): FakeCloudWatch => this.state('cloudwatch', account, region);

  /** The S3 of the account that owns a bucket (bucket names are global). */
  bucketOwner(bucket: string): FakeS3 | undefined {
    for (const [key, s] of this.states) if (key.startsWith('s3|') && (s as FakeS3).buckets.has(bucket)) return s as FakeS3;
    return undefined;
  }

  /** Reads an S3 HTTPS URL (virtual-hosted or path style) as a principal of `account`, as CloudFormation reads a TemplateURL. */
  async readS3Url(account: string, url: string): Promise<string> {
    const u = new URL(url);
    const hosted = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.exec(u.hostname);
    const path = decodeURIComponent(u.pathname.slice(1));
    const [bucket, key] = hosted ? [hosted[1] ?? '', path] : [path.split('/')[0] ?? '', path.split('/').slice(1).join('/')];
    const o = await this.s3(account).getObject({ bucket, key });
    return Buffer.from(o.body).toString('utf8');
  }

  /** Who is calling: the principal behind the credentials (the base principal by default). */
  authenticate(service: string, operation: string, creds: SessionCredentials | undefined): Principal {
    const p = creds ? this.principals.get(creds.accessKeyId) : this.base;
    if (!p || (creds && p.secretAccessKey !== creds.secretAccessKey)) {
      throw awsFailure(service, operation, 'UnrecognizedClientException', 400, 'The security token included in the request is invalid.');
    }
    if (p.expiresAt !== undefined && p.expiresAt <= this.now) {
      throw awsFailure(service, operation, 'ExpiredTokenException', 400, 'The security token included in the request is expired');
    }
    return p;
  }

  /** The implementation a call of `service` by `caller` in `region` runs against. */
  implementation(service: Service, caller: Principal, region: string): unknown {
    switch (service) {
      case 'sts':
        return new FakeSts(this, caller, region);
      case 'iotdata':
        return new FakeIotData(this.iot(caller.account, region));
      default:
        return this.state(service, caller.account, region);
    }
  }
}

const capital = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A PortFactory over the world; `built` counts clients made (per service). */
export function fakeFactory(world: FakeAwsWorld): PortFactory & { built: Record<string, number>; destroyed: number } {
  const built: Record<string, number> = {};
  const counters = { destroyed: 0 };
  const make =
    <S extends Service>(service: S) =>
    (spec: { region: string; credentials?: () => Promise<SessionCredentials>; endpoint?: string }) => {
      built[service] = (built[service] ?? 0) + 1;
      const port = new Proxy(
        {},
        {
          get: (_t, prop) =>
            typeof prop !== 'string' || prop === 'then'
              ? undefined
              : async (...args: unknown[]) => {
                  const operation = capital(prop);
                  const creds = spec.credentials ? await spec.credentials() : undefined;
                  const caller = world.authenticate(service, operation, creds);
                  world.calls.push({ service, operation, account: caller.account, region: spec.region, ...(spec.endpoint ? { endpoint: spec.endpoint } : {}), args });
                  world.faults.check(service, operation);
                  const impl = world.implementation(service, caller, spec.region) as Record<string, (...a: unknown[]) => unknown>;
                  const fn = impl[prop];
                  if (typeof fn !== 'function') throw new Error(`fake ${service} has no ${prop}`);
                  return structuredClone(await fn.apply(impl, args));
                },
        },
      ) as PortOf<S>;
      return { port, destroy: () => void counters.destroyed++ };
    };
  const factory = {
    codedeploy: make('codedeploy'),
    s3: make('s3'),
    sts: make('sts'),
    iot: make('iot'),
    iotdata: make('iotdata'),
    iam: make('iam'),
    cloudformation: make('cloudformation'),
    cloudwatch: make('cloudwatch'),
    built,
    get destroyed() {
      return counters.destroyed;
    },
  };
  return factory;
}
