const tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** `pier_` + 40 base62 chars (~238 bits). The prefix makes leaked tokens easy to grep for. */
export function generateSecretToken(prefix = "pier"): string {
  const bytes = crypto.getRandomValues(new Uint8Array(40));
  let out = "";
  for (const b of bytes) out += tokenAlphabet[b % tokenAlphabet.length];
  return `${prefix}_${out}`;
}

/** Tokens are high-entropy, so a fast hash is enough; only the hash is stored. */
export function hashToken(token: string): string {
  return new Bun.CryptoHasher("sha256").update(token).digest("hex");
}

/** The part of a token that is safe to show in lists, so a user can tell tokens apart. */
export function tokenHint(token: string): string {
  return `${token.slice(0, 9)}…`;
}
