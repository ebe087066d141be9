// KMS state (one document per account and region: keys, aliases, grants), key resolution as KMS
// does it (key id / alias name in the caller's account, key ARN anywhere, alias ARN only in the
// caller's account) and the permission check: key policy (explicit Deny wins), then grants.
import { createHash, randomBytes } from 'node:crypto';
import { compiledPolicy, evaluatePolicy, principalMatches } from '../iam/policy.js';
import { AwsError, type Principal, type SandboxStore } from '../types.js';

export interface KmsKey {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  /** Epoch seconds. */
  createdAt: number;
  description: string;
  enabled: boolean;
  keyManager: 'CUSTOMER' | 'AWS';
  /** The key policy (JSON text). */
  policy: string;
  /** 32 bytes, base64: the key material (the sandbox keeps it in its state). */
  material: string;
  tags: { TagKey: string; TagValue: string }[];
}

export interface KmsAlias {
  targetKeyId: string;
  createdAt: number;
}

export interface KmsGrant {
  grantId: string;
  keyId: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  issuingAccount: string;
  createdAt: number;
}

export interface KmsDoc {
  keys: Record<string, KmsKey>;
  aliases: Record<string, KmsAlias>;
  grants: Record<string, KmsGrant>;
}

const empty = (): KmsDoc => ({ keys: {}, aliases: {}, grants: {} });
const own = <T>(m: Record<string, T>, k: string): T | undefined => (Object.hasOwn(m, k) ? m[k] : undefined);

export function setOwn<T>(m: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
}

export const kmsDoc = (store: SandboxStore, accountId: string, region: string): KmsDoc => store.doc<KmsDoc>('kms', accountId, region, empty);

/** The document if it exists (lookups in other accounts must not create one). */
function peekDoc(store: SandboxStore, accountId: string, region: string): KmsDoc | undefined {
  return store.docs<KmsDoc>('kms').find((d) => d.accountId === accountId && d.region === region)?.doc;
}

export const keyArn = (region: string, accountId: string, keyId: string): string => `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
export const aliasArn = (region: string, accountId: string, alias: string): string => `arn:aws:kms:${region}:${accountId}:${alias}`;

/** The default key policy: the account root (so, in the sandbox, every principal of the account) may do everything. */
export const defaultKeyPolicy = (accountId: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: 'key-default-1',
    Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: 'kms:*', Resource: '*' }],
  });

/** The policy of an AWS managed key (aws/s3): principals of the account, through S3 only. */
const managedKeyPolicy = (accountId: string, region: string, service: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Id: `auto-${service}-2`,
    Statement: [
      {
        Sid: `Allow access through ${service.toUpperCase()} for all principals in the account that are authorized to use ${service.toUpperCase()}`,
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
      },
      { Sid: 'Allow direct access to key metadata to the account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountId}:root` }, Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'], Resource: '*' },
    ],
  });

/** A key id (UUID form) that is the same for the same seed, so a config's keys keep their ids across restarts. */
export function stableKeyId(seed: string): string {
  const h = createHash('sha256').update(`sandbox-kms:${seed}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface NewKey {
  readonly accountId: string;
  readonly region: string;
  readonly keyId?: string;
  readonly description?: string;
  readonly policy?: string;
  readonly keyManager?: 'CUSTOMER' | 'AWS';
  readonly tags?: KmsKey['tags'];
  readonly now: Date;
}

export function createKeyRecord(store: SandboxStore, k: NewKey): KmsKey {
  const doc = kmsDoc(store, k.accountId, k.region);
  const keyId = k.keyId ?? stableKeyId(randomBytes(16).toString('hex'));
  const key: KmsKey = {
    keyId,
    arn: keyArn(k.region, k.accountId, keyId),
    accountId: k.accountId,
    region: k.region,
    createdAt: Math.floor(k.now.getTime() / 1000),
    description: k.description ?? '',
    enabled: true,
    keyManager: k.keyManager ?? 'CUSTOMER',
    policy: k.policy ?? defaultKeyPolicy(k.accountId),
    material: randomBytes(32).toString('base64'),
    tags: k.tags ?? [],
  };
  setOwn(doc.keys, keyId, key);
  store.changed();
  return key;
}

/** The AWS managed key `alias/aws/<service>` of an account, created on first use (as AWS does). */
export function managedKey(store: SandboxStore, accountId: string, region: string, service: string, now: Date): KmsKey {
  const doc = kmsDoc(store, accountId, region);
  const alias = own(doc.aliases, `alias/aws/${service}`);
  const existing = alias && own(doc.keys, alias.targetKeyId);
  if (existing) return existing;
  const key = createKeyRecord(store, {
    accountId, region, now, keyManager: 'AWS',
    keyId: stableKeyId(`${accountId}:${region}:aws/${service}`),
    description: `Default key that protects my ${service.toUpperCase()} objects when no other key is defined`,
    policy: managedKeyPolicy(accountId, region, service),
  });
  setOwn(doc.aliases, `alias/aws/${service}`, { targetKeyId: key.keyId, createdAt: key.createdAt });
  return key;
}

const notFound = (message: string): AwsError => new AwsError('NotFoundException', message);
const KEY_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):key\/([\w-]+)$/;
const ALIAS_ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/;
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The key a KeyId names, for a caller of `callerAccount` in `region`. Aliases (name or ARN) resolve
 * only in the caller's own account: another account's alias ARN is NotFoundException, as in AWS.
 */
export function resolveKey(store: SandboxStore, callerAccount: string, region: string, keyId: string, allowAlias = true): KmsKey {
  const inAccount = (account: string, r: string, id: string): KmsKey => {
    const key = own(peekDoc(store, account, r)?.keys ?? {}, id);
    if (!key) throw notFound(`Key '${keyArn(r, account, id)}' does not exist`);
    return key;
  };
  const viaAlias = (account: string, r: string, alias: string): KmsKey => {
    if (!allowAlias) throw notFound(`Invalid keyId '${keyId}': use the key id or key ARN`);
    const target = account === callerAccount ? own(peekDoc(store, account, r)?.aliases ?? {}, alias) : undefined;
    if (!target) throw notFound(`Alias ${aliasArn(r, account, alias)} is not found.`);
    return inAccount(account, r, target.targetKeyId);
  };
  const arn = KEY_ARN.exec(keyId);
  if (arn) return inAccount(arn[2]!, arn[1]!, arn[3]!);
  const alias = ALIAS_ARN.exec(keyId);
  if (alias) return viaAlias(alias[2]!, alias[1]!, alias[3]!);
  if (keyId.startsWith('alias/')) return viaAlias(callerAccount, region, keyId);
  if (KEY_ID.test(keyId)) return inAccount(callerAccount, region, keyId);
  throw notFound(`Invalid keyId '${keyId}'`);
}

/** A key by its ARN (a ciphertext or an S3 object names it). */
export function keyByArn(store: SandboxStore, arn: string): KmsKey | undefined {
  const m = KEY_ARN.exec(arn);
  return m ? own(peekDoc(store, m[2]!, m[1]!)?.keys ?? {}, m[3]!) : undefined;
}


export type Caller = Pick<Principal, 'arn' | 'accountId'>;

/**
 * May `who` call kms:<operation> on the key? The key policy decides (Deny wins); a grant for the
 * principal naming the operation also allows. `context` adds condition keys (kms:ViaService, …).
 */
export function authorizeKey(store: SandboxStore, key: KmsKey, who: Caller, operation: string, context: Record<string, string> = {}): void {
  const action = `kms:${operation}`;
  const decision = evaluatePolicy(compiledPolicy(key.policy), {
    principal: who,
    action,
    resource: key.arn,
    context: { 'kms:CallerAccount': who.accountId, 'aws:PrincipalAccount': who.accountId, 'aws:PrincipalArn': who.arn, ...context },
  });
  const prefix = `User: ${who.arn} is not authorized to perform: ${action} on resource: ${key.arn}`;
  if (decision === 'Deny') throw new AwsError('AccessDeniedException', `${prefix} with an explicit deny in a resource-based policy`);
  if (decision === 'Allow') return;
  const grants = Object.values(peekDoc(store, key.accountId, key.region)?.grants ?? {});
  if (grants.some((g) => g.keyId === key.keyId && g.operations.includes(operation) && principalMatches(g.granteePrincipal, who))) return;
  throw new AwsError('AccessDeniedException', `${prefix} because no resource-based policy allows the ${action} action`);
}

/** Cryptographic operations need an enabled key. */
export function requireEnabled(key: KmsKey): void {
  if (!key.enabled) throw new AwsError('DisabledException', `${key.arn} is disabled.`);
}
