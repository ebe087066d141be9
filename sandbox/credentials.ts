// Credential registry: issues AWS-looking key pairs and resolves an access key id to its principal.
// Long-lived keys start with AKIA, session keys (with a session token) with ASIA, as in AWS.
import { randomBytes } from 'node:crypto';
import type { CredentialRegistry, Principal } from './types.js';

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface SandboxCredentialRegistry extends CredentialRegistry {
  /** Add a principal with fixed keys (e.g. restored from a sandbox directory); replaces one with the same key id. */
  register(principal: Principal): Principal;
  /** Forget an access key (later requests signed with it get the "unknown key" error). */
  revoke(accessKeyId: string): boolean;
  /** Every known principal. */
  list(): Principal[];
}

export interface CredentialRegistryOptions {
  /** Source of randomness (tests may make it deterministic). */
  randomBytes?: (size: number) => Buffer;
}

/** True for principals that get temporary (ASIA + session token) credentials. */
export function isSessionPrincipal(p: Omit<Principal, 'accessKeyId' | 'secretAccessKey'>): boolean {
  return p.sessionToken !== undefined || p.expiresAt !== undefined || p.arn.includes(':assumed-role/');
}

export function createCredentialRegistry(options: CredentialRegistryOptions = {}): SandboxCredentialRegistry {
  const rand = options.randomBytes ?? randomBytes;
  const byKey = new Map<string, Principal>();

  const keyId = (prefix: 'AKIA' | 'ASIA'): string => {
    for (let attempt = 0; attempt < 100; attempt++) {
      let id = prefix;
      for (const b of rand(16)) id += KEY_ALPHABET[b % KEY_ALPHABET.length];
      if (!byKey.has(id)) return id;
    }
    throw new Error('could not generate an unused access key id');
  };
  const secret = (): string => rand(30).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, 40);
  const token = (): string => `IQoJb3JpZ2luX2Vj${rand(96).toString('base64')}`;

  return {
    issue(principal) {
      const session = isSessionPrincipal(principal);
      const issued: Principal = {
        ...principal,
        accessKeyId: keyId(session ? 'ASIA' : 'AKIA'),
        secretAccessKey: secret(),
        ...(session ? { sessionToken: principal.sessionToken ?? token() } : {}),
      };
      byKey.set(issued.accessKeyId, issued);
      return issued;
    },
    lookup(accessKeyId) {
      return byKey.get(accessKeyId);
    },
    register(principal) {
      byKey.set(principal.accessKeyId, principal);
      return principal;
    },
    revoke(accessKeyId) {
      return byKey.delete(accessKeyId);
    },
    list() {
      return [...byKey.values()];
    },
  };
}
