// The sandbox's KMS ciphertext: AES-256-GCM under the key's material, with the encryption context
// as additional authenticated data. The blob names its key (as KMS ciphertexts do), so Decrypt
// needs no KeyId: "SBK1" | u16 ARN length | key ARN | 12-byte IV | 16-byte tag | ciphertext.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AwsError } from '../types.js';

const MAGIC = Buffer.from('SBK1');

/** The encryption context, canonical (sorted keys) as AAD. */
export function contextAad(context: Readonly<Record<string, string>> | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries));
}

export function seal(material: Buffer, keyArn: string, plaintext: Buffer, context?: Readonly<Record<string, string>>): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', material, iv);
  cipher.setAAD(contextAad(context));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const arn = Buffer.from(keyArn);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(arn.length);
  return Buffer.concat([MAGIC, len, arn, iv, cipher.getAuthTag(), ct]);
}

const invalid = (): AwsError => new AwsError('InvalidCiphertextException', '');

/** The key ARN a ciphertext blob names (InvalidCiphertextException if it is not one of ours). */
export function blobKeyArn(blob: Buffer): string {
  if (blob.length < MAGIC.length + 2 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) throw invalid();
  const len = blob.readUInt16BE(MAGIC.length);
  if (blob.length < MAGIC.length + 2 + len + 28) throw invalid();
  return blob.subarray(MAGIC.length + 2, MAGIC.length + 2 + len).toString();
}

export function open(material: Buffer, blob: Buffer, context?: Readonly<Record<string, string>>): Buffer {
  const start = MAGIC.length + 2 + Buffer.byteLength(blobKeyArn(blob));
  const iv = blob.subarray(start, start + 12);
  const tag = blob.subarray(start + 12, start + 28);
  try {
    const decipher = createDecipheriv('aes-256-gcm', material, iv);
    decipher.setAAD(contextAad(context));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(blob.subarray(start + 28)), decipher.final()]);
  } catch {
    throw invalid();
  }
}
