// SigV4 verification: resolves the signing principal and recomputes the signature with
// @smithy/signature-v4 over exactly what the client signed (Authorization header or presigned query).
// S3 payloads: the x-amz-content-sha256 value is the payload hash (hex, UNSIGNED-PAYLOAD, STREAMING-*);
// aws-chunked bodies are decoded for the handler and every chunk (and trailer) signature is checked.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4, getSigningKey } from '@smithy/signature-v4';
import { MAX_CLOCK_SKEW_MS, MAX_PRESIGNED_EXPIRES_SECONDS } from './constants.js';
import { authError, protocolOf, type WireProtocol } from './protocol-errors.js';
import { AwsError, type Clock, type CredentialRegistry, type Principal } from './types.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** A request as read off the wire. */
export interface RawSignedRequest {
  readonly method: string;
  /** Path as sent (percent-encoded), without the query string. */
  readonly rawPath: string;
  /** Query string as sent, without '?'. */
  readonly rawQuery: string;
  /** Lower-cased names; repeated headers joined with ','. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What the credential scope says, read before verification (routing, error protocol). */
export interface AuthScope {
  readonly form: 'header' | 'query';
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export interface VerifiedRequest {
  readonly principal: Principal;
  readonly service: string;
  readonly region: string;
  /** The payload (aws-chunked bodies decoded). */
  readonly body: Buffer;
  /** Headers for the handler (aws-chunked: trailers merged, content-length = decoded length). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface SigV4VerifierDeps {
  readonly credentials: CredentialRegistry;
  readonly clock?: Clock;
  readonly maxClockSkewMs?: number;
}

export interface SigV4Verifier {
  verify(req: RawSignedRequest): Promise<VerifiedRequest>;
}

/** Parse a query string the way SigV4 canonicalises it (no '+' → space; 'k' alone means 'k='). */
export function parseRawQuery(rawQuery: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (rawQuery === '') return out;
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Read the credential scope; undefined when the request carries no SigV4 authentication at all. */
export function readAuthScope(headers: Readonly<Record<string, string>>, query: Record<string, string | string[]>): AuthScope | undefined {
  const auth = headers['authorization'];
  if (auth !== undefined) {
    const space = auth.indexOf(' ');
    const algorithm = space < 0 ? auth : auth.slice(0, space);
    const fields: Record<string, string> = {};
    for (const f of auth.slice(space + 1).split(',')) {
      const eq = f.indexOf('=');
      if (eq > 0) fields[f.slice(0, eq).trim()] = f.slice(eq + 1).trim();
    }
    return scopeFrom('header', algorithm, fields['Credential'], fields['SignedHeaders'], fields['Signature']);
  }
  if (first(query['X-Amz-Credential']) !== undefined || first(query['X-Amz-Signature']) !== undefined) {
    return scopeFrom('query', first(query['X-Amz-Algorithm']) ?? '', first(query['X-Amz-Credential']), first(query['X-Amz-SignedHeaders']), first(query['X-Amz-Signature']));
  }
  return undefined;
}

/** Thrown by readAuthScope when authentication is present but cannot be parsed. */
export class MalformedAuthError extends Error {
  constructor(
    message: string,
    readonly service?: string,
  ) {
    super(message);
    this.name = 'MalformedAuthError';
  }
}

function scopeFrom(form: AuthScope['form'], algorithm: string, credential?: string, signedHeaders?: string, signature?: string): AuthScope {
  const parts = credential?.split('/') ?? [];
  const service = parts.length === 5 ? parts[3] : undefined;
  if (algorithm !== ALGORITHM) throw new MalformedAuthError(`Unsupported signing algorithm '${algorithm}'; only ${ALGORITHM} is supported.`, service);
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1] ?? '')) {
    throw new MalformedAuthError(`Invalid credential scope '${credential ?? ''}': expected <key>/<yyyymmdd>/<region>/<service>/aws4_request.`, service);
  }
  if (!signedHeaders || !signature) throw new MalformedAuthError('The request signature is incomplete: SignedHeaders and Signature are required.', service);
  const [accessKeyId, date, region, svc] = parts as [string, string, string, string, string];
  return { form, accessKeyId, date, region, service: svc, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature };
}

/** Parse an ISO basic timestamp (20240102T030405Z). */
export function parseAmzDate(s: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s ?? '');
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

const amzDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export function createSigV4Verifier(deps: SigV4VerifierDeps): SigV4Verifier {
  const now = (): Date => deps.clock?.now() ?? new Date();
  const maxSkew = deps.maxClockSkewMs ?? MAX_CLOCK_SKEW_MS;

  async function verify(req: RawSignedRequest): Promise<VerifiedRequest> {
    const query = parseRawQuery(req.rawQuery);
    let scope: AuthScope | undefined;
    try {
      scope = readAuthScope(req.headers, query);
    } catch (e) {
      if (e instanceof MalformedAuthError) throw authError('malformed', protocolOf(e.service ?? inferService(req.headers, query)), e.message);
      throw e;
    }
    if (!scope) throw authError('missing', protocolOf(inferService(req.headers, query)));
    const protocol = protocolOf(scope.service);
    const isS3 = scope.service === 's3';

    const principal = deps.credentials.lookup(scope.accessKeyId);
    if (!principal) throw authError('unknown-key', protocol, undefined, isS3 ? { AWSAccessKeyId: scope.accessKeyId } : {});
    const token = scope.form === 'header' ? req.headers['x-amz-security-token'] : first(query['X-Amz-Security-Token']);
    if ((token ?? '') !== (principal.sessionToken ?? '')) throw authError('invalid-token', protocol);
    const at = now();
    if (principal.expiresAt && principal.expiresAt.getTime() <= at.getTime()) throw authError('expired-token', protocol);

    const signingDate = parseAmzDate(scope.form === 'header' ? req.headers['x-amz-date'] : first(query['X-Amz-Date']));
    if (!signingDate) throw authError('malformed', protocol, "The request must carry a valid X-Amz-Date (yyyyMMdd'T'HHmmss'Z').");
    if (amzDate(signingDate).slice(0, 8) !== scope.date) {
      throw authError('malformed', protocol, `Invalid credential date: ${scope.date} is not the date of X-Amz-Date ${amzDate(signingDate)}.`);
    }
    let expiresIn = 0;
    if (scope.form === 'query') {
      expiresIn = Number(first(query['X-Amz-Expires']) ?? 'NaN');
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_PRESIGNED_EXPIRES_SECONDS) {
        throw authError('malformed', protocol, `X-Amz-Expires must be between 1 and ${MAX_PRESIGNED_EXPIRES_SECONDS} seconds.`);
      }
      if (signingDate.getTime() + expiresIn * 1000 < at.getTime()) throw authError('presign-expired', protocol, presignExpiredMessage(protocol, signingDate, expiresIn, at));
    }
    const skew = signingDate.getTime() - at.getTime();
    if ((scope.form === 'header' && Math.abs(skew) > maxSkew) || skew > maxSkew) {
      throw authError('skewed', protocol, skewMessage(protocol, signingDate, at, maxSkew), isS3 ? { RequestTime: amzDate(signingDate), ServerTime: at.toISOString() } : {});
    }

    // The payload hash the client signed, and the body the handler gets.
    const signedSha = req.headers['x-amz-content-sha256'];
    const bodyHash = (): string => (req.body.length === 0 ? EMPTY_SHA256 : createHash('sha256').update(req.body).digest('hex'));
    let payloadHash: string;
    if (isS3 && scope.form === 'query') payloadHash = first(query['X-Amz-Content-Sha256']) ?? 'UNSIGNED-PAYLOAD';
    else if (isS3) {
      if (signedSha === undefined) throw new AwsError('InvalidRequest', 'Missing required header for this request: x-amz-content-sha256', 400);
      payloadHash = signedSha;
    } else {
      payloadHash = bodyHash();
      if (signedSha !== undefined && signedSha !== payloadHash) throw authError('bad-signature', protocol);
    }

    const expected = await computeSignature(principal, scope, req, query, signingDate, expiresIn, payloadHash);
    if (!constantTimeEqual(expected, scope.signature)) throw authError('bad-signature', protocol);

    let body = req.body;
    let headers: Record<string, string> = { ...req.headers };
    if (isS3 && payloadHash.startsWith('STREAMING-')) {
      const decoded = await decodeAwsChunked({ body: req.body, mode: payloadHash, seedSignature: scope.signature, principal, scope, longDate: amzDate(signingDate), protocol });
      body = decoded.body;
      const declared = headers['x-amz-decoded-content-length'];
      if (declared !== undefined && Number(declared) !== body.length) {
        throw new AwsError('IncompleteBody', 'You did not provide the number of bytes specified by the x-amz-decoded-content-length HTTP header');
      }
      // x-amz-decoded-content-length = body length tells S3 code the body is already decoded.
      headers = { ...headers, ...decoded.trailers, 'content-length': String(body.length), 'x-amz-decoded-content-length': String(body.length) };
      const enc = (headers['content-encoding'] ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '' && e !== 'aws-chunked');
      if (enc.length > 0) headers['content-encoding'] = enc.join(',');
      else delete headers['content-encoding'];
    } else if (isS3 && /^[0-9a-f]{64}$/.test(payloadHash) && payloadHash !== bodyHash()) {
      throw authError('content-sha-mismatch', protocol, undefined, { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: bodyHash() });
    }
    return { principal, service: scope.service, region: scope.region, body, headers };
  }

  return { verify };
}

async function computeSignature(
  principal: Principal,
  scope: AuthScope,
  req: RawSignedRequest,
  query: Record<string, string | string[]>,
  signingDate: Date,
  expiresIn: number,
  payloadHash: string,
): Promise<string> {
  const signer = new SignatureV4({
    // No session token here: the client's token (checked above) is already among the signed headers/query.
    credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey },
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    uriEscapePath: scope.service !== 's3',
    applyChecksum: false,
  });
  const signed = new Set(scope.signedHeaders);
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const v = req.headers[name];
    if (v !== undefined) headers[name] = v;
  }
  // Feed the payload hash through the header smithy reads it from, without signing it when the client did not.
  const unsignable = new Set<string>();
  if (!signed.has('x-amz-content-sha256')) {
    headers['x-amz-content-sha256'] = payloadHash;
    unsignable.add('x-amz-content-sha256');
  }
  const { ['X-Amz-Signature']: _sig, ...unsignedQuery } = query;
  const request = new HttpRequest({ method: req.method, protocol: 'http:', hostname: 'sandbox', path: req.rawPath, query: unsignedQuery, headers });
  const common = { signingDate, signingRegion: scope.region, signingService: scope.service, signableHeaders: signed, unsignableHeaders: unsignable };
  if (scope.form === 'query') {
    const hoistBlock = new Set([...signed, ...unsignable]);
    const presigned = await signer.presign(request, { ...common, expiresIn, unhoistableHeaders: hoistBlock });
    return String(first(presigned.query?.['X-Amz-Signature'] ?? undefined) ?? '');
  }
  const out = await signer.sign(request, common);
  const auth = String(out.headers['authorization'] ?? '');
  return /Signature=([0-9a-f]+)/.exec(auth)?.[1] ?? '';
}

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function skewMessage(protocol: WireProtocol, signed: Date, at: Date, maxSkew: number): string | undefined {
  if (protocol === 'rest-xml') return undefined;
  const min = Math.round(maxSkew / 60000);
  return signed.getTime() < at.getTime()
    ? `Signature expired: ${amzDate(signed)} is now earlier than ${amzDate(new Date(at.getTime() - maxSkew))} (${amzDate(at)} - ${min} min.)`
    : `Signature not yet current: ${amzDate(signed)} is still later than ${amzDate(new Date(at.getTime() + maxSkew))} (${amzDate(at)} + ${min} min.)`;
}

function presignExpiredMessage(protocol: WireProtocol, signed: Date, expiresIn: number, at: Date): string | undefined {
  if (protocol === 'rest-xml') return undefined;
  return `Signature expired: ${amzDate(signed)} + ${expiresIn} s is now earlier than ${amzDate(at)}`;
}

/** The service an unauthenticated/malformed request was meant for (to answer in its protocol). */
export function inferService(headers: Readonly<Record<string, string>>, query: Record<string, string | string[]>): string {
  const target = headers['x-amz-target'];
  if (target !== undefined) return target.startsWith('CodeDeployCommandService') ? 'codedeploy-commands' : 'codedeploy';
  if (first(query['Action']) !== undefined || (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return 'sts';
  return 's3';
}

// ---------------------------------------------------------------------------------------------
// aws-chunked bodies (S3 streaming uploads): `<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n` … a zero-size
// chunk, then optional trailer lines (`name:value`, x-amz-trailer-signature last) and an empty line.

interface ChunkedInput {
  readonly body: Buffer;
  /** The x-amz-content-sha256 value (STREAMING-…). */
  readonly mode: string;
  readonly seedSignature: string;
  readonly principal: Principal;
  readonly scope: AuthScope;
  readonly longDate: string;
  readonly protocol: WireProtocol;
}

/** S3 refuses streaming chunks (other than the last) below this size. */
const MIN_CHUNK_SIZE = 8192;

const STREAMING_MODES: Readonly<Record<string, { signedChunks: boolean; trailer: boolean }>> = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signedChunks: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signedChunks: true, trailer: true },
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signedChunks: false, trailer: true },
};

/** Decode an aws-chunked body, verifying each chunk signature (chained from the seed) and the trailer signature. */
export async function decodeAwsChunked(input: ChunkedInput): Promise<{ body: Buffer; trailers: Record<string, string> }> {
  const mode = STREAMING_MODES[input.mode];
  const bad = (why: string): AwsError => authError('bad-signature', input.protocol, `Invalid aws-chunked body: ${why}.`);
  if (!mode) throw authError('malformed', input.protocol, `Unsupported x-amz-content-sha256 value '${input.mode}'.`);
  const { body, scope } = input;
  const scopeText = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const key = Buffer.from(
    await getSigningKey(Sha256, { accessKeyId: input.principal.accessKeyId, secretAccessKey: input.principal.secretAccessKey }, scope.date, scope.region, scope.service),
  );
  const hmac = (text: string): string => createHmac('sha256', key).update(text).digest('hex');
  const sha = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
  const readLine = (at: number): [string, number] => {
    const end = body.indexOf('\r\n', at);
    if (end < 0) throw bad('missing CRLF');
    return [body.toString('latin1', at, end), end + 2];
  };

  const parts: Buffer[] = [];
  let prev = input.seedSignature;
  let pos = 0;
  for (;;) {
    const [line, next] = readLine(pos);
    const [sizeText = '', ...ext] = line.split(';');
    const size = Number.parseInt(sizeText, 16);
    if (!/^[0-9a-fA-F]+$/.test(sizeText) || !Number.isSafeInteger(size) || next + size > body.length) throw bad(`bad chunk header '${line}'`);
    const data = body.subarray(next, next + size);
    if (mode.signedChunks) {
      const sig = ext.find((e) => e.startsWith('chunk-signature='))?.slice('chunk-signature='.length) ?? '';
      const expected = hmac(`AWS4-HMAC-SHA256-PAYLOAD\n${input.longDate}\n${scopeText}\n${prev}\n${EMPTY_SHA256}\n${sha(data)}`);
      if (!constantTimeEqual(expected, sig)) throw authError('bad-signature', input.protocol);
      prev = sig;
    }
    pos = next + size;
    if (size === 0) break;
    if (parts.length > 0 && parts[parts.length - 1]!.length < MIN_CHUNK_SIZE) {
      throw new AwsError('InvalidChunkSizeError', `Only the last chunk is allowed to have a size less than ${MIN_CHUNK_SIZE} bytes`, 403, {
        Chunk: String(parts.length),
        BadChunkSize: String(parts[parts.length - 1]!.length),
      });
    }
    if (body.toString('latin1', pos, pos + 2) !== '\r\n') throw bad('chunk data not followed by CRLF');
    pos += 2;
    parts.push(data);
  }

  const trailers: Record<string, string> = {};
  let trailerSignature: string | undefined;
  let canonical = '';
  while (pos < body.length) {
    const [line, next] = readLine(pos);
    pos = next;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`bad trailer '${line}'`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') trailerSignature = value;
    else {
      trailers[name] = value;
      canonical += `${name}:${value}\n`;
    }
  }
  if (!mode.trailer && Object.keys(trailers).length > 0) throw bad('trailers sent without a -TRAILER content sha256');
  if (mode.trailer && mode.signedChunks && Object.keys(trailers).length > 0) {
    const expected = hmac(`AWS4-HMAC-SHA256-TRAILER\n${input.longDate}\n${scopeText}\n${prev}\n${sha(canonical)}`);
    if (!constantTimeEqual(expected, trailerSignature ?? '')) throw authError('bad-signature', input.protocol);
  }
  return { body: Buffer.concat(parts), trailers };
}
