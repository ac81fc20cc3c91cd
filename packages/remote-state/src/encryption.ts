import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Decrypter, Encrypter } from 'age-encryption';
import { awsRegion, badInput, ErrorCode, IwpError } from '@iwp/core';

/**
 * How a stack's state is encrypted at rest, as `init --encrypt` recorded it in stack.json:
 * `kms:KEY_ID` asks S3 to encrypt every object with that KMS key (SSE-KMS: S3 decrypts for
 * whoever may use the key); `age:RECIPIENT` encrypts the state here, before upload, to one
 * or more age recipients (only holders of a matching identity can read it, S3 included).
 * Both may be given.
 */
export interface Encryption {
  kmsKeyId?: string;
  age?: string[];
}

/** `--encrypt` values: `kms:KEY_ID`, `age:RECIPIENT` (repeatable), or `none`. */
export function parseEncrypt(values: string[] | undefined, field = '--encrypt'): Encryption {
  const out: Encryption = {};
  for (const v of values ?? []) {
    if (v === 'none') continue;
    const m = /^(kms|age):(.+)$/.exec(v);
    if (!m) throw badInput(field, 'kms:KEY_ID, age:RECIPIENT or none', v);
    if (m[1] === 'kms') {
      if (out.kmsKeyId && out.kmsKeyId !== m[2]) throw badInput(field, 'at most one kms: key', v);
      out.kmsKeyId = m[2]!;
    } else {
      try {
        new Encrypter().addRecipient(m[2]!);
      } catch {
        throw badInput(field, 'age:RECIPIENT with an age public key (age1...)', v);
      }
      out.age = [...new Set([...(out.age ?? []), m[2]!])];
    }
  }
  return out;
}

/** The `--encrypt` spelling of an encryption, for stack.json and documents. */
export function encryptionList(e: Encryption | undefined): string[] {
  return [...(e?.kmsKeyId ? [`kms:${e.kmsKeyId}`] : []), ...(e?.age ?? []).map((r) => `age:${r}`)];
}

export function sameEncryption(a: Encryption | undefined, b: Encryption | undefined): boolean {
  return JSON.stringify(encryptionList(a).sort()) === JSON.stringify(encryptionList(b).sort());
}

/**
 * Fails with BAD_INPUT naming `--encrypt` when the KMS key does not exist or is not enabled:
 * some S3-compatible stores accept any key id and would write state nobody can read back.
 */
export async function checkKmsKey(keyId: string, region?: string): Promise<void> {
  const { KMSClient, DescribeKeyCommand } = createRequire(import.meta.url)('@aws-sdk/client-kms') as typeof import('@aws-sdk/client-kms');
  const kms = new KMSClient({ region: awsRegion(region) });
  try {
    const out = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    const state = out.KeyMetadata?.KeyState;
    if (state && state !== 'Enabled') throw badInput('--encrypt', 'kms:KEY_ID of an enabled KMS key', `kms:${keyId} (${state})`);
  } catch (err) {
    if (err instanceof IwpError) throw err;
    const name = (err as { name?: string }).name ?? 'Error';
    if (['NotFoundException', 'InvalidArnException', 'AccessDeniedException', 'ValidationException'].includes(name)) {
      throw badInput('--encrypt', 'kms:KEY_ID of a KMS key you may use', `kms:${keyId} (${name})`);
    }
    throw new IwpError(ErrorCode.FAILED, `KMS DescribeKey ${keyId}: ${name}: ${(err as Error).message}`, { cause: err });
  } finally {
    kms.destroy();
  }
}

/** The age identities (`AGE-SECRET-KEY-1...` lines, as age-keygen writes them) of the files given. */
export async function readIdentities(files: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => {
      throw badInput('--identity', 'a readable age identity file', f);
    });
    const ids = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('AGE-SECRET-KEY-'));
    if (ids.length === 0) throw badInput('--identity', 'a file with an AGE-SECRET-KEY-... line (age-keygen)', f);
    out.push(...ids);
  }
  return out;
}

export async function seal(plain: Buffer, recipients: string[]): Promise<Buffer> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return Buffer.from(await e.encrypt(plain));
}

/** Decrypts; no identity or none that matches is BAD_INPUT naming `--identity` (exit 2). */
export async function unseal(ciphertext: Buffer, identities: string[], recipients: string[], where: string): Promise<Buffer> {
  const expected = `an age identity for ${recipients.join(' or ')} (--identity FILE or REMOTE_STATE_IDENTITY)`;
  if (identities.length === 0) throw badInput('--identity', expected, undefined, { hint: `${where} is encrypted with age` });
  const d = new Decrypter();
  try {
    for (const id of identities) d.addIdentity(id);
  } catch {
    throw badInput('--identity', 'AGE-SECRET-KEY-1... identities');
  }
  try {
    return Buffer.from(await d.decrypt(ciphertext, 'uint8array'));
  } catch (err) {
    throw badInput('--identity', expected, `an identity that does not match (${(err as Error).message})`, { hint: `${where} is encrypted with age` });
  }
}
