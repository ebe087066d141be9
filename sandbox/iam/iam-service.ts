// A minimal IAM over the query protocol (Action=…&Version=2010-05-08; XML answers as
// @aws-sdk/client-iam parses them): users, inline user policies, access keys and user tags —
// what `register`/`deregister` of on-premises instances need. Every action acts on the signing
// principal's account; there is no policy evaluation (any principal of the account may call IAM).
import { randomBytes } from 'node:crypto';
import type { SandboxCredentialRegistry } from '../credentials.js';
import { REQUEST_ID_HEADER } from '../constants.js';
import { queryParams } from '../sts/sts-service.js';
import { AwsError, type Clock, type SandboxStore, type ServiceHandler } from '../types.js';
import { accessKeyActions } from './access-keys.js';
import type { IamAction, IamContext } from './iam-context.js';
import { loadIamState } from './iam-state.js';
import { IAM_VERSION, iamResponse } from './iam-xml.js';
import { userPolicyActions } from './user-policies.js';
import { userActions } from './users.js';

export interface IamServiceDeps {
  readonly store: SandboxStore;
  /** Access keys are issued in (and revoked from) this registry. */
  readonly credentials: Pick<SandboxCredentialRegistry, 'issue' | 'revoke'>;
  readonly clock?: Clock;
  readonly randomBytes?: (size: number) => Buffer;
}

const ACTIONS: Readonly<Record<string, IamAction>> = { ...userActions, ...userPolicyActions, ...accessKeyActions };
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function createIamService(deps: IamServiceDeps): ServiceHandler {
  const rand = deps.randomBytes ?? randomBytes;
  const newUserId = (): string => `AIDA${[...rand(17)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join('')}`;

  return async (req) => {
    const params = queryParams(req);
    const action = params.get('Action');
    const version = params.get('Version');
    if (action === null) throw new AwsError('MissingAction', 'Missing Action');
    const run = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (!run || (version !== null && version !== IAM_VERSION)) {
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? IAM_VERSION}`);
    }
    const ctx: IamContext = {
      state: loadIamState(deps.store, req.principal.accountId),
      accountId: req.principal.accountId,
      caller: req.principal,
      now: deps.clock?.now() ?? new Date(),
      changed: () => deps.store.changed(),
      credentials: deps.credentials,
      newUserId,
    };
    return iamResponse(action, run(ctx, params), req.headers[REQUEST_ID_HEADER] ?? '');
  };
}
