// Fixed names and numbers of the sandbox (shared by the core, the services and the tests).

/** The region clients use unless told otherwise. */
export const SANDBOX_DEFAULT_REGION = 'us-east-1';

/** The "pipeline" account whose root credentials the sandbox prints at start. */
export const PIPELINE_ACCOUNT_ID = '111111111111';

/** Largest request body the core buffers (larger requests get EntityTooLarge). */
export const MAX_REQUEST_BODY_BYTES = 128 * 1024 * 1024;

/** Allowed difference between the request's X-Amz-Date and the sandbox clock (as AWS: 15 min). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Longest validity of a presigned URL (as AWS: 7 days). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 3600;

/** Request header through which handlers learn the core's request id (also sent back as x-amzn-RequestId). */
export const REQUEST_ID_HEADER = 'x-amzn-requestid';
