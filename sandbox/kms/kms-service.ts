// The sandbox's KMS subset (AWS JSON 1.1, X-Amz-Target: TrentService.<Operation>, signing name
// 'kms'): symmetric keys per account and region with key policies, aliases, grants, and the
// cryptographic calls (kms-data.ts). Key material is real (AES-256-GCM), kept in the sandbox state.
import { randomBytes } from 'node:crypto';
import { PolicyError, parsePolicy } from '../iam/policy.js';
import type { Clock, SandboxRequest, SandboxResponse, SandboxStore, ServiceHandler } from '../types.js';
import { AwsError } from '../types.js';
import type { KmsCall } from './kms-call.js';
import { optionalString, page, requiredString, validation } from './kms-call.js';
import { decrypt, encrypt, generateDataKey } from './kms-data.js';
import type { KmsKey } from './kms-keys.js';
import { aliasArn, authorizeKey, createKeyRecord, kmsDoc, resolveKey, setOwn } from './kms-keys.js';
import { parseJsonBody } from '../json-body.js';

export const KMS_TARGET_PREFIX = 'TrentService.';
const GRANT_OPERATIONS = [
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'CreateGrant', 'RetireGrant',
  'DescribeKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', 'Sign', 'Verify', 'GetPublicKey', 'GenerateMac', 'VerifyMac',
];

function metadata(key: KmsKey): Record<string, unknown> {
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.createdAt,
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    KeySpec: 'SYMMETRIC_DEFAULT',
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
  };
}

function checkPolicy(text: string): string {
  try {
    parsePolicy(text);
  } catch (e) {
    if (e instanceof PolicyError) throw new AwsError('MalformedPolicyDocumentException', e.message);
    throw e;
  }
  if (Buffer.byteLength(text) > 32768) throw validation('Policy', 'Member must have length less than or equal to 32768');
  return text;
}

const now = (call: KmsCall): number => Math.floor(call.clock.now().getTime() / 1000);

/** Management calls act on keys of the caller's own account only. */
function ownKey(call: KmsCall, operation: string, allowAlias = false): KmsKey {
  const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId'), allowAlias);
  if (key.accountId !== call.caller.accountId) {
    throw new AwsError('AccessDeniedException', `User: ${call.caller.arn} is not authorized to perform: kms:${operation} on resource: ${key.arn} because ${operation} does not work across accounts`);
  }
  authorizeKey(call.store, key, call.caller, operation, call.context);
  return key;
}

type Operation = (call: KmsCall) => Record<string, unknown>;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  CreateKey(call) {
    const usage = optionalString(call.input, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
    const spec = optionalString(call.input, 'KeySpec') ?? optionalString(call.input, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
    if (usage !== 'ENCRYPT_DECRYPT' || spec !== 'SYMMETRIC_DEFAULT') throw new AwsError('UnsupportedOperationException', 'The sandbox serves symmetric ENCRYPT_DECRYPT keys (SYMMETRIC_DEFAULT) only');
    const policy = optionalString(call.input, 'Policy');
    const tags = (call.input['Tags'] as { TagKey: string; TagValue: string }[] | undefined) ?? [];
    const key = createKeyRecord(call.store, {
      accountId: call.caller.accountId,
      region: call.region,
      now: call.clock.now(),
      description: optionalString(call.input, 'Description') ?? '',
      ...(policy !== undefined ? { policy: checkPolicy(policy) } : {}),
      tags,
    });
    return { KeyMetadata: metadata(key) };
  },
  DescribeKey(call) {
    const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId'));
    authorizeKey(call.store, key, call.caller, 'DescribeKey', call.context);
    return { KeyMetadata: metadata(key) };
  },
  ListKeys(call) {
    const keys = Object.values(kmsDoc(call.store, call.caller.accountId, call.region).keys).sort((a, b) => a.keyId.localeCompare(b.keyId));
    const p = page(call.input, keys);
    return { Keys: p.items.map((k) => ({ KeyId: k.keyId, KeyArn: k.arn })), Truncated: p.truncated, ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) };
  },
  EnableKey(call) {
    ownKey(call, 'EnableKey').enabled = true;
    call.store.changed();
    return {};
  },
  DisableKey(call) {
    ownKey(call, 'DisableKey').enabled = false;
    call.store.changed();
    return {};
  },
  GetKeyPolicy(call) {
    const key = ownKey(call, 'GetKeyPolicy');
    return { Policy: key.policy, PolicyName: 'default' };
  },
  PutKeyPolicy(call) {
    const key = ownKey(call, 'PutKeyPolicy');
    const name = optionalString(call.input, 'PolicyName') ?? 'default';
    if (name !== 'default') throw new AwsError('NotFoundException', `Policy ${name} does not exist`);
    key.policy = checkPolicy(requiredString(call.input, 'Policy', 1, 131072));
    call.store.changed();
    return {};
  },
  CreateAlias(call) {
    const name = requiredString(call.input, 'AliasName', 1, 256);
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name)) throw validation('AliasName', 'Member must satisfy regular expression pattern: ^alias/[a-zA-Z0-9/_-]+$', name);
    if (name.startsWith('alias/aws/')) throw new AwsError('NotAuthorizedException', 'Cannot create alias with prefix \'alias/aws/\'');
    const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'TargetKeyId'), false);
    if (key.accountId !== call.caller.accountId || key.region !== call.region) throw new AwsError('NotFoundException', `Key '${key.arn}' does not exist`);
    authorizeKey(call.store, key, call.caller, 'CreateAlias', call.context);
    const doc = kmsDoc(call.store, call.caller.accountId, call.region);
    if (Object.hasOwn(doc.aliases, name)) throw new AwsError('AlreadyExistsException', `An alias with the name ${aliasArn(call.region, call.caller.accountId, name)} already exists`);
    setOwn(doc.aliases, name, { targetKeyId: key.keyId, createdAt: now(call) });
    call.store.changed();
    return {};
  },
  DeleteAlias(call) {
    const name = requiredString(call.input, 'AliasName', 1, 256);
    const doc = kmsDoc(call.store, call.caller.accountId, call.region);
    const alias = Object.hasOwn(doc.aliases, name) ? doc.aliases[name] : undefined;
    if (!alias || name.startsWith('alias/aws/')) throw new AwsError('NotFoundException', `Alias ${aliasArn(call.region, call.caller.accountId, name)} is not found.`);
    const key = resolveKey(call.store, call.caller.accountId, call.region, alias.targetKeyId);
    authorizeKey(call.store, key, call.caller, 'DeleteAlias', call.context);
    delete doc.aliases[name];
    call.store.changed();
    return {};
  },
  ListAliases(call) {
    const doc = kmsDoc(call.store, call.caller.accountId, call.region);
    const keyId = optionalString(call.input, 'KeyId');
    const target = keyId === undefined ? undefined : resolveKey(call.store, call.caller.accountId, call.region, keyId, false).keyId;
    const aliases = Object.entries(doc.aliases)
      .filter(([, a]) => target === undefined || a.targetKeyId === target)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, a]) => ({ AliasName: name, AliasArn: aliasArn(call.region, call.caller.accountId, name), TargetKeyId: a.targetKeyId, CreationDate: a.createdAt }));
    const p = page(call.input, aliases);
    return { Aliases: p.items, Truncated: p.truncated, ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) };
  },
  CreateGrant(call) {
    const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId'), false);
    const grantee = requiredString(call.input, 'GranteePrincipal', 1, 256);
    if (!/^(\d{12}|arn:aws:(iam|sts)::\d{12}:\S+)$/.test(grantee)) throw validation('GranteePrincipal', 'Member must be an account id or an IAM/STS principal ARN', grantee);
    const ops = call.input['Operations'];
    if (!Array.isArray(ops) || ops.length === 0) throw validation('Operations', 'Member must not be null');
    for (const op of ops) if (!GRANT_OPERATIONS.includes(op as string)) throw validation('Operations', `Member must satisfy enum value set: [${GRANT_OPERATIONS.join(', ')}]`, op);
    authorizeKey(call.store, key, call.caller, 'CreateGrant', call.context);
    const doc = kmsDoc(call.store, key.accountId, key.region);
    const grantId = randomBytes(32).toString('hex');
    const retiring = optionalString(call.input, 'RetiringPrincipal');
    const name = optionalString(call.input, 'Name');
    setOwn(doc.grants, grantId, {
      grantId, keyId: key.keyId, granteePrincipal: grantee, operations: ops as string[],
      issuingAccount: `arn:aws:iam::${call.caller.accountId}:root`, createdAt: now(call),
      ...(retiring !== undefined ? { retiringPrincipal: retiring } : {}),
      ...(name !== undefined ? { name } : {}),
    });
    call.store.changed();
    return { GrantId: grantId, GrantToken: Buffer.from(`grant:${grantId}`).toString('base64') };
  },
  ListGrants(call) {
    const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId'), false);
    authorizeKey(call.store, key, call.caller, 'ListGrants', call.context);
    const grants = Object.values(kmsDoc(call.store, key.accountId, key.region).grants)
      .filter((g) => g.keyId === key.keyId)
      .sort((a, b) => a.createdAt - b.createdAt || a.grantId.localeCompare(b.grantId));
    const p = page(call.input, grants);
    const items = p.items.map((g) => ({
      KeyId: key.arn, GrantId: g.grantId, Name: g.name ?? '', CreationDate: g.createdAt, GranteePrincipal: g.granteePrincipal,
      ...(g.retiringPrincipal ? { RetiringPrincipal: g.retiringPrincipal } : {}), IssuingAccount: g.issuingAccount, Operations: g.operations,
    }));
    return { Grants: items, Truncated: p.truncated, ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) };
  },
  RevokeGrant(call) {
    const key = resolveKey(call.store, call.caller.accountId, call.region, requiredString(call.input, 'KeyId'), false);
    authorizeKey(call.store, key, call.caller, 'RevokeGrant', call.context);
    const grantId = requiredString(call.input, 'GrantId', 1, 128);
    const doc = kmsDoc(call.store, key.accountId, key.region);
    if (!Object.hasOwn(doc.grants, grantId) || doc.grants[grantId]!.keyId !== key.keyId) throw new AwsError('NotFoundException', `Grant ID ${grantId} not found`);
    delete doc.grants[grantId];
    call.store.changed();
    return {};
  },
  Encrypt: encrypt,
  Decrypt: decrypt,
  GenerateDataKey: (call) => generateDataKey(call, true),
  GenerateDataKeyWithoutPlaintext: (call) => generateDataKey(call, false),
};

export const KMS_OPERATIONS = Object.keys(OPERATIONS);

export function createKmsService(deps: { store: SandboxStore; clock?: Clock }): ServiceHandler {
  const clock = deps.clock ?? { now: () => new Date() };
  return async (req: SandboxRequest): Promise<SandboxResponse> => {
    const target = req.headers['x-amz-target'] ?? '';
    const name = target.startsWith(KMS_TARGET_PREFIX) ? target.slice(KMS_TARGET_PREFIX.length) : '';
    const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    if (req.method !== 'POST' || !operation) {
      throw new AwsError('UnknownOperationException', `The sandbox KMS does not serve ${target || '(no X-Amz-Target)'}; it serves ${KMS_OPERATIONS.join(', ')}`);
    }
    const call: KmsCall = { store: deps.store, clock, caller: req.principal, region: req.region, input: parseJsonBody(req.body), context: {} };
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(operation(call)) };
  };
}
