// Contracts between the sandbox's IoT parts: the IoT CA and control plane (things, certificates,
// policies, role aliases), the shadow store, the HTTPS data plane, the MQTT broker (mutual TLS) and
// the credentials-provider endpoint (mutual TLS). Each part is a factory taking its deps.
import type { Principal } from '../types.js';

/** Certificate status as the IoT API names it. */
export type CertificateStatus = 'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE' | 'PENDING_ACTIVATION';

export interface IotCertificateRecord {
  readonly accountId: string;
  readonly region: string;
  /** SHA-256 of the certificate's DER, lower-case hex (64 chars), as AWS IoT computes it. */
  readonly certificateId: string;
  /** arn:aws:iot:<region>:<acct>:cert/<certificateId> */
  readonly certificateArn: string;
  readonly status: CertificateStatus;
  readonly certificatePem: string;
}

/** Read-only lookups the broker and the credentials provider make into the control plane. */
export interface IotDirectory {
  /** The certificate with this id, in any account/region. */
  certificate(certificateId: string): IotCertificateRecord | undefined;
  /** Names of the things this principal (certificate ARN) is attached to. */
  thingsForPrincipal(accountId: string, region: string, principalArn: string): readonly string[];
  /** A role alias, for the credentials provider. */
  roleAlias(accountId: string, region: string, alias: string): { readonly roleArn: string; readonly credentialDurationSeconds: number } | undefined;
  /** Whether the thing exists. */
  thingExists(accountId: string, region: string, thingName: string): boolean;
}

/** The sandbox IoT CA: signs device certificates and the TLS server certificates of the broker
 * and the credentials provider (SANs 127.0.0.1, ::1 and localhost). */
export interface IotCa {
  readonly caPem: string;
  /** A new key pair and a certificate for it (CreateKeysAndCertificate). Async: the RSA key pair is
   * generated off the event loop. */
  issueDeviceCertificate(): Promise<{ certificatePem: string; publicKeyPem: string; privateKeyPem: string }>;
  /** TLS server credentials for the sandbox's TLS listeners. */
  readonly server: { readonly certPem: string; readonly keyPem: string };
}

/** A shadow document change, for the broker to publish on the shadow topics. */
export interface ShadowChange {
  readonly accountId: string;
  readonly region: string;
  readonly thingName: string;
  /** undefined = the classic (unnamed) shadow. */
  readonly shadowName?: string;
  /** Payload for .../update/accepted (or .../delete/accepted). */
  readonly accepted: Record<string, unknown>;
  /** Payload for .../update/documents (previous/current); absent on delete. */
  readonly documents?: Record<string, unknown>;
  /** Payload for .../update/delta when desired and reported differ. */
  readonly delta?: Record<string, unknown>;
  readonly deleted?: boolean;
}

/** Issues the temporary credentials the credentials provider hands to a device. */
export type AssumeRoleForDevice = (input: { accountId: string; roleArn: string; sessionName: string; durationSeconds: number }) => Principal;
