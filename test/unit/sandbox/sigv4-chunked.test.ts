// aws-chunked (streaming) S3 uploads: the AWS documentation example, signed trailers, unsigned trailers.
import t from 'tap';
import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { createCredentialRegistry } from '../../../sandbox/credentials.js';
import { createSigV4Verifier, type RawSignedRequest } from '../../../sandbox/sigv4-verify.js';
import { AwsError } from '../../../sandbox/types.js';

const EMPTY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const sha = (d: Buffer | string): string => createHash('sha256').update(d).digest('hex');

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'ok',
    (e: unknown) => (e instanceof AwsError ? e.code : String(e)),
  );
}

t.test('the AWS documentation example (STREAMING-AWS4-HMAC-SHA256-PAYLOAD, 64 KiB + 1 KiB)', async (t) => {
  const credentials = createCredentialRegistry();
  credentials.register({
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    arn: 'arn:aws:iam::123456789012:user/example',
    accountId: '123456789012',
    userId: 'AIDAEXAMPLE',
  });
  const verifier = createSigV4Verifier({ credentials, clock: { now: () => new Date('2013-05-24T00:00:10Z') } });
  const chunk = (size: number, sig: string, data: Buffer): Buffer => Buffer.concat([Buffer.from(`${size.toString(16)};chunk-signature=${sig}\r\n`), data, Buffer.from('\r\n')]);
  const body = Buffer.concat([
    chunk(65536, 'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648', Buffer.alloc(65536, 'a')),
    chunk(1024, '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497', Buffer.alloc(1024, 'a')),
    Buffer.from('0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n'),
  ]);
  t.equal(body.length, 66824);
  const req: RawSignedRequest = {
    method: 'PUT',
    rawPath: '/examplebucket/chunkObject.txt',
    rawQuery: '',
    body,
    headers: {
      host: 's3.amazonaws.com',
      'x-amz-date': '20130524T000000Z',
      'x-amz-storage-class': 'REDUCED_REDUNDANCY',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': '66560',
      'content-length': '66824',
    },
  };
  const v = await verifier.verify(req);
  t.equal(v.body.length, 66560);
  t.ok(v.body.equals(Buffer.alloc(66560, 'a')));
  t.equal(v.headers['content-encoding'], undefined, 'aws-chunked removed');
  t.equal(v.headers['content-length'], '66560');

  const tampered = Buffer.from(body);
  tampered[66000] = 'b'.charCodeAt(0);
  t.equal(await code(verifier.verify({ ...req, body: tampered })), 'SignatureDoesNotMatch', 'a changed byte in chunk 2');
  const swapped = Buffer.from(body.toString('latin1').replace('0055627c', '0055627d'), 'latin1');
  t.equal(await code(verifier.verify({ ...req, body: swapped })), 'SignatureDoesNotMatch', 'a changed chunk signature');
  t.equal(await code(verifier.verify({ ...req, body: body.subarray(0, 66000) })), 'SignatureDoesNotMatch', 'a truncated body');
});

// Chunks signed through smithy's string signer (HMAC with the derived key), not the verifier's own code.
t.test('signed chunks with a signed trailer, and unsigned chunks with a trailer', async (t) => {
  const now = new Date('2024-03-01T12:00:00Z');
  const credentials = createCredentialRegistry();
  const user = credentials.issue({ arn: 'arn:aws:iam::111111111111:user/u', accountId: '111111111111', userId: 'AIDAU' });
  const verifier = createSigV4Verifier({ credentials, clock: { now: () => now } });
  const signer = new SignatureV4({ credentials: user, region: 'eu-west-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: true });
  const scope = '20240301/eu-west-1/s3/aws4_request';
  const longDate = '20240301T120000Z';
  const data = [Buffer.alloc(8192, 1), Buffer.alloc(100, 2)];
  const trailer = 'x-amz-checksum-sha256:' + createHash('sha256').update(Buffer.concat(data)).digest('base64');

  async function build(mode: string, signedChunks: boolean, withTrailer: boolean): Promise<RawSignedRequest> {
    const decodedLength = String(data.reduce((n, d) => n + d.length, 0));
    const headers: Record<string, string> = {
      host: 'localhost',
      'x-amz-content-sha256': mode,
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': decodedLength,
      ...(withTrailer ? { 'x-amz-trailer': 'x-amz-checksum-sha256' } : {}),
    };
    const signed = (await signer.sign(new HttpRequest({ method: 'PUT', hostname: 'localhost', path: '/b/k', headers }), { signingDate: now })) as HttpRequest;
    let prev = /Signature=([0-9a-f]+)/.exec(String(signed.headers['authorization']))![1]!;
    const parts: Buffer[] = [];
    for (const d of [...data, Buffer.alloc(0)]) {
      let ext = '';
      if (signedChunks) {
        prev = await signer.sign(`AWS4-HMAC-SHA256-PAYLOAD\n${longDate}\n${scope}\n${prev}\n${EMPTY}\n${sha(d)}`, { signingDate: now });
        ext = `;chunk-signature=${prev}`;
      }
      parts.push(Buffer.from(`${d.length.toString(16)}${ext}\r\n`), d, d.length > 0 ? Buffer.from('\r\n') : Buffer.alloc(0));
    }
    if (withTrailer) {
      parts.push(Buffer.from(`${trailer}\r\n`));
      if (signedChunks) {
        const trailerSig = await signer.sign(`AWS4-HMAC-SHA256-TRAILER\n${longDate}\n${scope}\n${prev}\n${sha(`${trailer}\n`)}`, { signingDate: now });
        parts.push(Buffer.from(`x-amz-trailer-signature:${trailerSig}\r\n`));
      }
    }
    parts.push(Buffer.from('\r\n'));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) out[k.toLowerCase()] = v;
    return { method: 'PUT', rawPath: '/b/k', rawQuery: '', headers: out, body: Buffer.concat(parts) };
  }

  const signedTrailer = await build('STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER', true, true);
  const v = await verifier.verify(signedTrailer);
  t.ok(v.body.equals(Buffer.concat(data)));
  t.equal(v.headers['x-amz-checksum-sha256'], trailer.split(':')[1], 'trailer merged into the headers');
  t.equal(v.headers['x-amz-trailer-signature'], undefined);
  const forgedTrailer = Buffer.from(signedTrailer.body.toString('latin1').replace(/x-amz-checksum-sha256:./, 'x-amz-checksum-sha256:A'), 'latin1');
  t.equal(await code(verifier.verify({ ...signedTrailer, body: forgedTrailer })), 'SignatureDoesNotMatch', 'a changed trailer');

  const plain = await build('STREAMING-AWS4-HMAC-SHA256-PAYLOAD', true, false);
  t.ok((await verifier.verify(plain)).body.equals(Buffer.concat(data)));

  const unsigned = await build('STREAMING-UNSIGNED-PAYLOAD-TRAILER', false, true);
  const u = await verifier.verify(unsigned);
  t.ok(u.body.equals(Buffer.concat(data)));
  t.equal(u.headers['x-amz-checksum-sha256'], trailer.split(':')[1]);
  const wrongLength = { ...unsigned, headers: { ...unsigned.headers } };
  t.equal(await code(verifier.verify({ ...wrongLength, body: Buffer.from(unsigned.body.toString('latin1').replace('2000\r\n', '1fff\r\n'), 'latin1') })), 'SignatureDoesNotMatch', 'broken framing');

  const small = [Buffer.alloc(10, 1), Buffer.alloc(10, 2)];
  data.splice(0, data.length, ...small);
  t.equal(await code(verifier.verify(await build('STREAMING-UNSIGNED-PAYLOAD-TRAILER', false, true))), 'InvalidChunkSizeError', 'only the last chunk may be < 8 KiB');
});
