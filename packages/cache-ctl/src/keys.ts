import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { badInput } from '@iwp/core';

// ed25519 keys in DER: a fixed prefix, then the 32 raw bytes
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface SecretKey {
  name: string;
  key: KeyObject;
  /** `name:base64(32-byte public key)` */
  publicKey: string;
}

export interface PublicKey {
  name: string;
  key: KeyObject;
}

/**
 * A key pair in nix's own format (`nix-store --generate-binary-cache-key`): the secret is
 * `name:base64(seed ‖ public key)` (64 bytes, libsodium's layout), the public
 * `name:base64(public key)`.
 */
export function generateKeyPair(name: string): { secret: string; public: string } {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw badInput('--name', 'a key name such as cache.example.org-1 (letters, digits, . _ -)', name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { secret: `${name}:${Buffer.concat([seed, pub]).toString('base64')}`, public: `${name}:${pub.toString('base64')}` };
}

function split(text: string, field: string, bytes: number[], what: string): { name: string; raw: Buffer } {
  const t = text.trim();
  const i = t.indexOf(':');
  const raw = i > 0 ? Buffer.from(t.slice(i + 1), 'base64') : Buffer.alloc(0);
  if (i <= 0 || !bytes.includes(raw.length) || !/^[A-Za-z0-9+/]+=*$/.test(t.slice(i + 1))) {
    throw badInput(field, `${what} in nix's format NAME:BASE64 (nix-store --generate-binary-cache-key)`, i > 0 ? `${t.slice(0, i)}:<${raw.length} bytes>` : '<not NAME:BASE64>');
  }
  return { name: t.slice(0, i), raw };
}

export function parseSecretKey(text: string, field = '--sign-key'): SecretKey {
  const { name, raw } = split(text, field, [64], 'an ed25519 secret key');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(key).export({ format: 'der', type: 'spki' }).subarray(-32);
  if (!pub.equals(raw.subarray(32))) throw badInput(field, 'a secret key whose second half is its public key', `${name}:<inconsistent>`);
  return { name, key, publicKey: `${name}:${pub.toString('base64')}` };
}

export function parsePublicKey(text: string, field = '--trusted-key'): PublicKey {
  const { name, raw } = split(text, field, [32], 'an ed25519 public key');
  return { name, key: createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }) };
}

export async function readSecretKey(file: string, field = '--sign-key'): Promise<SecretKey> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw badInput(field, 'a readable secret key file', `${file} (${err.code})`);
  });
  return parseSecretKey(text, field);
}

/** `Sig:` value: `name:base64(ed25519(fingerprint))` */
export function signFingerprint(key: SecretKey, fingerprint: string): string {
  return `${key.name}:${sign(null, Buffer.from(fingerprint), key.key).toString('base64')}`;
}

/** True when one of `sigs` is a valid signature of `fingerprint` by one of `keys`. */
export function verifyFingerprint(keys: PublicKey[], fingerprint: string, sigs: string[]): boolean {
  for (const s of sigs) {
    const i = s.indexOf(':');
    const k = keys.find((x) => x.name === s.slice(0, i));
    if (k && verify(null, Buffer.from(fingerprint), k.key, Buffer.from(s.slice(i + 1), 'base64'))) return true;
  }
  return false;
}
