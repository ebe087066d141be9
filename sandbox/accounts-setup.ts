// Creates what the config's accounts declare, at every start (idempotent, so a restarted sandbox
// with --dir keeps its objects and keys): KMS keys (stable ids) and aliases, buckets with owner,
// policy, default encryption (a config alias is resolved to the key ARN here, so writers of other
// accounts use that key), ownership and versioning, and CodeDeploy applications/deployment groups
// (through the CodeDeploy handler, as the account's root would call it).
import { EdgeError } from '../shared/errors.js';
import type { AccountConfig } from './accounts-config.js';
import { createKeyRecord, defaultKeyPolicy, kmsDoc, resolveKey, setOwn, stableKeyId } from './kms/kms-keys.js';
import { validateBucketPolicy } from './s3/bucket-config.js';
import { accountDoc, findBucket, ownSet, type BucketState } from './s3/s3-state.js';
import { AwsError, type Clock, type SandboxStore, type ServiceHandler } from './types.js';

export interface AccountsSetupDeps {
  readonly store: SandboxStore;
  readonly region: string;
  readonly clock?: Clock;
  /** The CodeDeploy handler, for pre-created applications and deployment groups. */
  readonly codedeploy?: ServiceHandler;
}

const problem = (path: string, reason: string): EdgeError => new EdgeError('CONFIG_INVALID', `sandbox config: ${path}: ${reason}`);

function setupKeys(deps: AccountsSetupDeps, account: AccountConfig, at: string, now: Date): void {
  const doc = kmsDoc(deps.store, account.accountId, deps.region);
  account.kmsKeys.forEach((k, i) => {
    if (k.aliases.length === 0 && !k.id) throw problem(`${at}.kmsKeys[${i}]`, 'give the key an alias or an id, so the config can refer to it');
    const keyId = k.id ?? stableKeyId(`${account.accountId}:${deps.region}:${k.aliases[0] ?? `key-${i}`}`);
    const policy = k.policy ?? defaultKeyPolicy(account.accountId);
    const existing = Object.hasOwn(doc.keys, keyId) ? doc.keys[keyId] : undefined;
    if (existing) {
      existing.policy = policy;
      existing.description = k.description;
    } else {
      createKeyRecord(deps.store, { accountId: account.accountId, region: deps.region, keyId, description: k.description, policy, now });
    }
    for (const alias of k.aliases) setOwn(doc.aliases, alias, { targetKeyId: keyId, createdAt: Math.floor(now.getTime() / 1000) });
  });
}

function setupBuckets(deps: AccountsSetupDeps, account: AccountConfig, at: string, now: Date): void {
  account.buckets.forEach((b, i) => {
    const where = `${at}.buckets[${i}]`;
    const found = findBucket(deps.store, b.name);
    if (found && found.accountId !== account.accountId) throw problem(`${where}.name`, `bucket ${b.name} already belongs to account ${found.accountId}`);
    const region = b.region ?? deps.region;
    let bucket: BucketState;
    if (found) bucket = found.bucket;
    else {
      bucket = { name: b.name, region, createdAt: now.toISOString(), objects: {}, uploads: {} };
      ownSet(accountDoc(deps.store, account.accountId).buckets, b.name, bucket);
    }
    if (b.policy !== undefined) {
      try {
        validateBucketPolicy(b.policy, b.name);
      } catch (e) {
        throw problem(`${where}.policy`, (e as Error).message);
      }
      bucket.policy = b.policy;
    } else delete bucket.policy;
    bucket.ownership = b.objectOwnership;
    if (b.versioning) bucket.versioning = b.versioning;
    if (b.encryption?.algorithm === 'aws:kms') {
      let kmsKeyId: string | undefined;
      if (b.encryption.kmsKey !== undefined) {
        try {
          kmsKeyId = resolveKey(deps.store, account.accountId, region, b.encryption.kmsKey).arn;
        } catch (e) {
          throw problem(`${where}.encryption.kmsKey`, e instanceof AwsError ? e.message : String(e));
        }
      }
      bucket.encryption = { algorithm: 'aws:kms', ...(kmsKeyId ? { kmsKeyId } : {}), ...(b.encryption.bucketKey ? { bucketKey: true } : {}) };
    } else if (b.encryption) bucket.encryption = { algorithm: 'AES256' };
    else delete bucket.encryption;
  });
}

async function callCodeDeploy(handler: ServiceHandler, accountId: string, region: string, operation: string, input: object): Promise<void> {
  const principal = { accessKeyId: 'config', secretAccessKey: 'config', arn: `arn:aws:iam::${accountId}:root`, accountId, userId: accountId };
  await handler({
    method: 'POST',
    rawPath: '/',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': `CodeDeploy_20141006.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify(input)),
    service: 'codedeploy',
    region,
    principal,
    signal: new AbortController().signal,
  });
}

async function setupCodeDeploy(deps: AccountsSetupDeps, account: AccountConfig, at: string): Promise<void> {
  const handler = deps.codedeploy;
  if (!handler || account.codedeploy.length === 0) return;
  const tolerate = (codes: string[]) => (e: unknown) => {
    if (e instanceof AwsError && codes.includes(e.code)) return;
    throw e;
  };
  for (const [i, app] of account.codedeploy.entries()) {
    const where = `${at}.codedeploy.applications[${i}]`;
    try {
      await callCodeDeploy(handler, account.accountId, deps.region, 'CreateApplication', { applicationName: app.name, computePlatform: app.computePlatform })
        .catch(tolerate(['ApplicationAlreadyExistsException']));
      for (const group of app.deploymentGroups) {
        const input = { serviceRoleArn: `arn:aws:iam::${account.accountId}:role/CodeDeployServiceRole`, ...group, applicationName: app.name };
        await callCodeDeploy(handler, account.accountId, deps.region, 'CreateDeploymentGroup', input).catch(tolerate(['DeploymentGroupAlreadyExistsException']));
      }
    } catch (e) {
      if (e instanceof AwsError) throw problem(where, `${e.code}: ${e.message}`);
      throw e;
    }
  }
}

/** Applies the accounts' declarations to the sandbox state. Throws CONFIG_INVALID naming the entry. */
export async function applyAccounts(deps: AccountsSetupDeps, accounts: readonly AccountConfig[]): Promise<void> {
  const now = deps.clock?.now() ?? new Date();
  // Keys first (buckets' default encryption refers to them), then buckets, then CodeDeploy.
  accounts.forEach((a, i) => setupKeys(deps, a, `accounts[${i}]`, now));
  accounts.forEach((a, i) => setupBuckets(deps, a, `accounts[${i}]`, now));
  for (const [i, a] of accounts.entries()) await setupCodeDeploy(deps, a, `accounts[${i}]`);
  deps.store.changed();
}
