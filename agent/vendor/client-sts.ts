// The STS client the agent loads to learn its IoT session ARN; bundled apart, as client-s3.ts says.
export { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
