import { createHmac, timingSafeEqual } from 'node:crypto';

/** `sha256=<hex>` as GitHub puts it in X-Hub-Signature-256. */
export function sign(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Checks X-Hub-Signature-256 against the body in constant time. The comparison is of
 * fixed-length digests, so neither the header's length nor its content leaks the secret.
 */
export function verifySignature(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (!header || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
