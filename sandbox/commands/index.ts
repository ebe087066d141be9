// The CodeDeploy Commands part of the sandbox: re-exports only.
export { createCommandBroker, type BrokerHostSide, type BrokerOutcome, type CommandBrokerDeps, type HostKey } from './broker.js';
export { createCommandsService, DEFAULT_MAX_POLL_WAIT_MS, type CommandsServiceDeps } from './commands-service.js';
export { createSigningCa, signerCommonName, type SigningCa, type SigningCaOptions } from './signing-ca.js';
export { verifyPkcs7Json, type Pkcs7VerifyResult } from './pkcs7-verify.js';
