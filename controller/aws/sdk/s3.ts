// S3Port over @aws-sdk/client-s3 and @aws-sdk/lib-storage (multipart uploads).
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { sdkCall } from '../sdk-errors.js';
import type { ObjectHead, ObjectRef, S3Port, WriteProtection } from '../ports.js';

const call = <T>(operation: string, run: () => Promise<T>): Promise<T> => sdkCall({ service: 's3', operation }, run);
const MIN_PART = 5 * 1024 * 1024;
const DEFAULT_PART = 8 * 1024 * 1024;

interface HeadLike {
  ETag?: string;
  ContentLength?: number;
  LastModified?: Date;
  VersionId?: string;
  ContentType?: string;
  Metadata?: Record<string, string>;
  ChecksumSHA256?: string;
  ServerSideEncryption?: string;
  SSEKMSKeyId?: string;
}

function headOf(r: HeadLike): ObjectHead {
  return {
    etag: r.ETag ?? '',
    size: r.ContentLength ?? 0,
    ...(r.LastModified ? { lastModified: r.LastModified } : {}),
    ...(r.VersionId ? { versionId: r.VersionId } : {}),
    ...(r.ContentType ? { contentType: r.ContentType } : {}),
    metadata: { ...(r.Metadata ?? {}) },
    ...(r.ChecksumSHA256 ? { checksumSha256: r.ChecksumSHA256 } : {}),
    ...(r.ServerSideEncryption ? { sse: r.ServerSideEncryption } : {}),
    ...(r.SSEKMSKeyId ? { kmsKeyId: r.SSEKMSKeyId } : {}),
  };
}

/** SHA-256 checksums (the SDK computes them, S3 verifies them) and SSE-KMS, as SDK parameters. */
const protection = (p: WriteProtection): { ChecksumAlgorithm?: 'SHA256'; ServerSideEncryption?: 'aws:kms'; SSEKMSKeyId?: string } => ({
  ...(p.checksumAlgorithm ? { ChecksumAlgorithm: p.checksumAlgorithm } : {}),
  ...(p.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: p.kmsKeyId } : {}),
});

const written = (etag: string | undefined, versionId: string | undefined): { etag: string; versionId?: string } => ({
  etag: etag ?? '',
  ...(versionId ? { versionId } : {}),
});

/** x-amz-copy-source: bucket/key, the key URL-encoded but for its slashes. */
export function copySource(ref: ObjectRef): string {
  const key = encodeURIComponent(ref.key).replace(/%2F/g, '/');
  return `${ref.bucket}/${key}${ref.versionId ? `?versionId=${encodeURIComponent(ref.versionId)}` : ''}`;
}

const version = (ref: ObjectRef): { VersionId?: string } => (ref.versionId ? { VersionId: ref.versionId } : {});

export function s3Adapter(client: S3Client): S3Port {
  return {
    async headObject(ref) {
      const input = { Bucket: ref.bucket, Key: ref.key, ...version(ref), ...(ref.checksumMode ? { ChecksumMode: 'ENABLED' as const } : {}) };
      const r = await call('HeadObject', () => client.send(new HeadObjectCommand(input)));
      return headOf(r);
    },
    async getObject(ref) {
      return call('GetObject', async () => {
        const input = { Bucket: ref.bucket, Key: ref.key, ...version(ref), ...(ref.ifMatch ? { IfMatch: ref.ifMatch } : {}) };
        const r = await client.send(new GetObjectCommand(input));
        const body = r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
        return { ...headOf(r), size: r.ContentLength ?? body.byteLength, body };
      });
    },
    async putObject(input) {
      const command = new PutObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        Body: input.body,
        ...(input.contentType ? { ContentType: input.contentType } : {}),
        ...(input.metadata ? { Metadata: { ...input.metadata } } : {}),
        ...(input.ifNoneMatch ? { IfNoneMatch: input.ifNoneMatch } : {}),
        ...(input.ifMatch ? { IfMatch: input.ifMatch } : {}),
        ...protection(input),
      });
      const r = await call('PutObject', () => client.send(command));
      return written(r.ETag, r.VersionId);
    },
    async uploadObject(input) {
      return call('Upload', async () => {
        const body = input.body instanceof Uint8Array ? input.body : Readable.from(input.body);
        const upload = new Upload({
          client,
          partSize: Math.max(MIN_PART, input.partSizeBytes ?? DEFAULT_PART),
          queueSize: 4,
          leavePartsOnError: false,
          params: {
            Bucket: input.bucket,
            Key: input.key,
            Body: body,
            ...(input.contentType ? { ContentType: input.contentType } : {}),
            ...(input.metadata ? { Metadata: { ...input.metadata } } : {}),
            ...protection(input),
          },
        });
        const progress = input.onProgress;
        if (progress) upload.on('httpUploadProgress', (p) => progress(p.loaded ?? 0));
        const r = await upload.done();
        return written(r.ETag, r.VersionId);
      });
    },
    async copyObject(input) {
      const command = new CopyObjectCommand({
        Bucket: input.bucket,
        Key: input.key,
        CopySource: copySource(input.source),
        ...(input.sourceIfMatch ? { CopySourceIfMatch: input.sourceIfMatch } : {}),
      });
      const r = await call('CopyObject', () => client.send(command));
      return written(r.CopyObjectResult?.ETag, r.VersionId);
    },
    async listObjectsV2(input) {
      const command = new ListObjectsV2Command({
        Bucket: input.bucket,
        ...(input.prefix !== undefined ? { Prefix: input.prefix } : {}),
        ...(input.delimiter !== undefined ? { Delimiter: input.delimiter } : {}),
        ...(input.maxKeys !== undefined ? { MaxKeys: input.maxKeys } : {}),
        ...(input.continuationToken ? { ContinuationToken: input.continuationToken } : {}),
      });
      const r = await call('ListObjectsV2', () => client.send(command));
      return {
        objects: (r.Contents ?? []).map((o) => ({
          key: o.Key ?? '',
          size: o.Size ?? 0,
          etag: o.ETag ?? '',
          ...(o.LastModified ? { lastModified: o.LastModified } : {}),
        })),
        commonPrefixes: (r.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
        ...(r.IsTruncated && r.NextContinuationToken ? { nextContinuationToken: r.NextContinuationToken } : {}),
      };
    },
    async deleteObjects(input) {
      if (input.keys.length === 0) return { deleted: [], errors: [] };
      const command = new DeleteObjectsCommand({ Bucket: input.bucket, Delete: { Objects: input.keys.map((Key) => ({ Key })), Quiet: false } });
      const r = await call('DeleteObjects', () => client.send(command));
      return {
        deleted: (r.Deleted ?? []).map((d) => d.Key ?? ''),
        errors: (r.Errors ?? []).map((e) => ({ key: e.Key ?? '', code: e.Code ?? 'Unknown', message: e.Message ?? '' })),
      };
    },
  };
}
