// Opening the deployment specification GetDeploymentSpecification returns (aws-codedeploy-agent lib/instance_agent/plugins/codedeploy/deployment_specification.rb,
// and command_poller.rb): DeploymentSystem must be CodeDeploy and the GenericEnvelope present; "PKCS7/JSON"
// payloads are SignedData whose signature must verify (the official v1 agent ignores the result;
// we refuse), optionally pinned to a CA and a signer CN; "TEXT/JSON"/"JSON" only in developer mode.
// The JSON content is then validated by parseDeploymentSpec. Pure.
import { EdgeError } from '../../shared/errors.js';
import type { DeploymentSpecificationResult } from '../command/command-service.js';
import { parseDeploymentSpec, type DeploymentSpec } from './deployment-spec.js';
import { Pkcs7Error, verifySignedData, type VerifiedSignedData } from './pkcs7-signed-data.js';
import { chainProblem, parseCertificateBundle, subjectProblem } from './pkcs7-trust.js';

export interface OpenDeploymentSpecOptions {
  /** Accept unsigned TEXT/JSON and JSON envelopes (codedeploy-local; v2's CODEDEPLOY_DEVELOPER_MODE). */
  readonly developerMode: boolean;
  /** Trusted CA certificate(s), PEM: the signer must chain to one of them, valid now. */
  readonly caPem?: string;
  /** The signer certificate's CN must match. */
  readonly signerSubject?: RegExp;
  /** The agent's region; only reported with signature errors. */
  readonly region?: string;
  /** When certificate validity is checked (default: now). */
  readonly now?: Date;
}

export const PKCS7_JSON = 'PKCS7/JSON';
const DEVELOPER_FORMATS = new Set(['TEXT/JSON', 'JSON']);

const invalid = (message: string, cause?: unknown): EdgeError => new EdgeError('SPEC_INVALID', message, cause === undefined ? {} : { cause });

export function openDeploymentSpec(result: DeploymentSpecificationResult, opts: OpenDeploymentSpecOptions): DeploymentSpec {
  if (result.deploymentSystem !== 'CodeDeploy') throw invalid(`Deployment System mismatch: CodeDeploy != ${result.deploymentSystem}`);
  const envelope = result.envelope;
  if (!envelope) throw invalid('Deployment Specification missing');
  const format = envelope.format ?? '';
  if (format === PKCS7_JSON) return parseDeploymentSpec(parseJson(verifiedContent(envelope.payload ?? '', opts)));
  if (DEVELOPER_FORMATS.has(format) && opts.developerMode) return parseDeploymentSpec(parseJson(envelope.payload ?? ''));
  throw invalid(`Unsupported DeploymentSpecification format: ${format}`);
}

/** The signed JSON text of a PKCS7/JSON payload, after every check `opts` asks for. */
export function verifiedContent(payload: string, opts: Pick<OpenDeploymentSpecOptions, 'caPem' | 'signerSubject' | 'region' | 'now'>): string {
  let data: VerifiedSignedData;
  try {
    data = verifySignedData(payload);
  } catch (e) {
    if (e instanceof Pkcs7Error && e.kind === 'signature') throw signatureError(`PKCS7 signature verification failed: ${e.message}`, e, opts);
    throw invalid(`Could not parse the PKCS7: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (opts.caPem !== undefined) {
    let anchors;
    try {
      anchors = parseCertificateBundle(opts.caPem);
    } catch (e) {
      throw new EdgeError('CONFIG_INVALID', `The deployment spec CA could not be read: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const at = opts.now ?? new Date();
    const embedded = data.certificates.map((c) => c.x509);
    for (const signer of data.signers) {
      const problem = chainProblem(signer.x509, embedded, anchors, at);
      if (problem) throw signatureError(`PKCS7 signer is not trusted: ${problem}`, undefined, opts);
    }
  }
  if (opts.signerSubject) {
    for (const signer of data.signers) {
      const problem = subjectProblem(signer, opts.signerSubject);
      if (problem) throw signatureError(`PKCS7 signer is not trusted: ${problem}`, undefined, opts);
    }
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data.content);
  } catch (e) {
    throw invalid('The signed deployment spec is not UTF-8 text', e);
  }
}

function signatureError(message: string, cause: unknown, opts: Pick<OpenDeploymentSpecOptions, 'region'>): EdgeError {
  return new EdgeError('SPEC_SIGNATURE_INVALID', message, {
    ...(cause === undefined ? {} : { cause }),
    details: opts.region === undefined ? {} : { region: opts.region },
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalid(`The deployment spec is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
