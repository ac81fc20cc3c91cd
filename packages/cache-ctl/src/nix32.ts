/** Nix's base-32 alphabet (no e, o, u, t) and its bit order: the last byte comes first. */
const ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

export function toNix32(bytes: Uint8Array): string {
  const len = Math.ceil((bytes.length * 8) / 5);
  let out = '';
  for (let n = len - 1; n >= 0; n--) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const c = (bytes[i]! >> j) | (i + 1 < bytes.length ? bytes[i + 1]! << (8 - j) : 0);
    out += ALPHABET[c & 0x1f];
  }
  return out;
}

export function fromNix32(text: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  const len = text.length;
  for (let n = 0; n < len; n++) {
    const digit = ALPHABET.indexOf(text[len - n - 1]!);
    if (digit < 0) throw new Error(`invalid base-32 character ${JSON.stringify(text[len - n - 1])}`);
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i]! |= (digit << j) & 0xff;
    if (i + 1 < size) out[i + 1]! |= digit >> (8 - j);
  }
  return out;
}

/** `sha256-<base64>` (SRI, as `nix path-info --json` prints) or `sha256:<nix32|hex>` to `sha256:<nix32>`. */
export function normalizeHash(h: string): string {
  const sri = /^sha256-([A-Za-z0-9+/=]{44})$/.exec(h);
  if (sri) return `sha256:${toNix32(Buffer.from(sri[1]!, 'base64'))}`;
  const m = /^sha256:([0-9a-f]{64}|[0-9a-z]{52})$/.exec(h);
  if (m) return m[1]!.length === 64 ? `sha256:${toNix32(Buffer.from(m[1]!, 'hex'))}` : h;
  throw new Error(`unsupported hash ${h}`);
}
