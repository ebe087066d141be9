// DeleteObjects (POST /<bucket>?delete): up to 1000 keys, each deleted like DeleteObject.
import type { SandboxResponse } from '../types.js';
import { AwsError } from '../types.js';
import { deleteVersion } from './object-versions.js';
import { readPayload } from './request-payload.js';
import type { S3Call } from './s3-call.js';
import { decideS3 } from './s3-access.js';
import { requireBucket } from './s3-state.js';
import { children, el, parseXmlBody, text, xmlResponse } from './xml.js';

const MAX_OBJECTS = 1000;

export async function deleteObjects(call: S3Call): Promise<SandboxResponse> {
  const { deps, req } = call;
  const bucket = requireBucket(deps.store, req.principal, call.bucketName);
  const payload = readPayload(req);
  if (payload.headers['content-md5'] === undefined && !Object.keys(payload.headers).some((h) => /^x-amz-checksum-(?!algorithm|type|mode)/.test(h))) {
    throw new AwsError('InvalidRequest', 'Missing required header for this request: Content-MD5 OR x-amz-checksum-*');
  }
  const request = parseXmlBody(payload.data, 'Delete');
  const objects = children(request, 'Object');
  if (objects.length === 0 || objects.length > MAX_OBJECTS) {
    throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const quiet = text(request, 'Quiet') === 'true';
  const results: string[] = [];
  const released: string[] = [];
  const now = deps.clock.now();
  for (const entry of objects) {
    const key = text(entry, 'Key', true);
    if (key === undefined || key === '') {
      results.push(el('Error', [el('Key', key ?? ''), el('Code', 'InvalidArgument'), el('Message', 'Invalid key')]));
      continue;
    }
    const versionId = text(entry, 'VersionId');
    const action = versionId === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion';
    if (decideS3(deps.store, req.principal, call.bucketName, { action, key }) === 'denied') {
      results.push(el('Error', [el('Key', key), el('VersionId', versionId), el('Code', 'AccessDenied'), el('Message', 'Access Denied')]));
      continue;
    }
    const outcome = deleteVersion(bucket, key, versionId, now);
    released.push(...outcome.released);
    if (quiet) continue;
    const markerId = versionId === undefined && outcome.deleteMarker ? outcome.versionId : undefined;
    results.push(
      el('Deleted', [
        el('Key', key),
        el('VersionId', versionId),
        outcome.deleteMarker ? el('DeleteMarker', true) : '',
        el('DeleteMarkerVersionId', versionId === undefined ? markerId : outcome.deleteMarker ? versionId : undefined),
      ]),
    );
  }
  deps.store.changed();
  await deps.blobs.release(released);
  return xmlResponse('DeleteResult', results);
}
