// The S3 client the agent loads for a download. The package builds agent/vendor/ apart from the
// agent (scripts/package-bundle.mjs): sharing a bundle with the agent, the SDK's modules would drag
// @smithy/core into the chunk the signer of the always-loaded Commands client uses. Only SDK code
// here: what the agent needs, re-exported, so its own classes and errors exist once.
export { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
