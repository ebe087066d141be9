// TemplateURL: an S3 object URL (virtual-hosted https://bucket.s3[.region].amazonaws.com/key,
// path-style https://s3[.region].amazonaws.com/bucket/key, or the sandbox's own
// http://127.0.0.1:port/bucket/key) read from the sandbox's S3 with the caller's permissions
// (the bucket policy decides for a bucket of another account; SSE-KMS is not checked here).
import { AwsError, type Principal, type SandboxStore } from '../types.js';
import { decideS3 } from '../s3/s3-access.js';
import { currentObject, findBucket } from '../s3/s3-state.js';

/** CloudFormation refuses templates over 1 MB from S3. */
const MAX_TEMPLATE_URL_BYTES = 1024 * 1024;

/** Bucket and key of an S3 URL, or undefined when it is not one. */
export function parseS3Url(url: string, sandboxUrl?: string): { bucket: string; key: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const path = decodeURIComponent(u.pathname.slice(1));
  const hosted = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(u.hostname);
  if (u.protocol === 'https:' && hosted) return path ? { bucket: hosted[1]!, key: path } : undefined;
  const pathStyle = /^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.test(u.hostname) && u.protocol === 'https:';
  const sandbox = sandboxUrl !== undefined && u.origin === new URL(sandboxUrl).origin;
  if (!pathStyle && !sandbox) return undefined;
  const slash = path.indexOf('/');
  return slash > 0 && slash < path.length - 1 ? { bucket: path.slice(0, slash), key: path.slice(slash + 1) } : undefined;
}

const s3Error = (what: string): AwsError =>
  new AwsError('ValidationError', `S3 error: ${what}\nFor more information check http://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html`);

/** Reads a template from the sandbox's S3 as the caller. */
export function createTemplateUrlReader(deps: { readonly store: SandboxStore; readonly sandboxUrl?: () => string }) {
  return async (url: string, caller: Principal): Promise<string> => {
    const where = parseS3Url(url, deps.sandboxUrl?.());
    if (!where) throw new AwsError('ValidationError', 'TemplateURL must be a supported URL.');
    // CloudFormation reads the template with the caller's permissions (the bucket policy decides across accounts).
    const decision = decideS3(deps.store, caller, where.bucket, { action: 's3:GetObject', key: where.key });
    if (decision === 'no-bucket') throw s3Error('The specified bucket does not exist');
    if (decision === 'denied') throw s3Error('Access Denied');
    const bucket = findBucket(deps.store, where.bucket)!.bucket;
    const object = currentObject(bucket, where.key);
    if (!object?.blobId) throw s3Error('The specified key does not exist.');
    if (object.size > MAX_TEMPLATE_URL_BYTES) throw new AwsError('ValidationError', 'Template may not exceed 1048576 bytes in size.');
    return (await deps.store.blobs.get(object.blobId)).toString('utf8');
  };
}
