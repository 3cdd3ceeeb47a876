import type * as NodeCrypto from "node:crypto";

const nodeCrypto = (): typeof NodeCrypto => require("node:crypto");

/**
 * Docker's registry token protocol, pier being the token server: the registry answers 401 with a
 * Bearer challenge pointing at pier (`/_pier/registry/token`), clients fetch a short-lived JWT
 * there with their credentials, the registry checks its signature against pier's signing
 * certificate. Who gets what: pier's own builder pushes and deletes, nodes only pull.
 */

export interface AccessEntry {
  type: string;
  name: string;
  actions: string[];
}

/** `repository:pier/shop:pull,push` -> { type, name, actions }. Names may hold `:` only before the last one. */
export function parseScope(scope: string): AccessEntry | null {
  const last = scope.lastIndexOf(":");
  const first = scope.indexOf(":");
  if (first <= 0 || last === first) return null;
  const actions = scope
    .slice(last + 1)
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions };
}

/** What a principal may do with a repository of the cluster's registry. */
export type RegistryRole = "push" | "pull";

/** The access granted for what was asked: actions outside the role are dropped, not refused. */
export function grantAccess(requested: AccessEntry[], role: RegistryRole): AccessEntry[] {
  const allowed = role === "push" ? new Set(["pull", "push", "delete", "*"]) : new Set(["pull"]);
  const granted: AccessEntry[] = [];
  for (const entry of requested) {
    if (entry.type === "registry" && entry.name === "catalog") {
      if (role === "push") granted.push({ ...entry, actions: entry.actions.filter((a) => a === "*") });
      continue;
    }
    if (entry.type !== "repository") continue;
    const actions = entry.actions.filter((a) => allowed.has(a));
    if (actions.length) granted.push({ ...entry, actions });
  }
  return granted;
}

const base32Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The key id the registry (docker/libtrust) computes for a public key: base32 of the first 240
 * bits of the SHA-256 of its DER SubjectPublicKeyInfo, in 12 groups of 4. The token's `kid` must
 * be it, or the registry does not know which trusted key to check the signature with.
 */
export function libtrustKeyId(certPem: string): string {
  const crypto = nodeCrypto();
  const spki = new crypto.X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" });
  const digest = crypto.createHash("sha256").update(spki).digest().subarray(0, 30);
  return base32(digest).match(/.{4}/g)!.join(":");
}

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");

export interface TokenInput {
  issuer: string;
  service: string;
  subject: string;
  access: AccessEntry[];
  ttlSeconds: number;
  now?: Date;
}

/** A registry JWT signed RS256 with the signing key. */
export function signRegistryToken(input: TokenInput, signer: { key: string; cert: string }): string {
  const crypto = nodeCrypto();
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const header = { typ: "JWT", alg: "RS256", kid: libtrustKeyId(signer.cert) };
  const claims = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.service,
    exp: now + input.ttlSeconds,
    nbf: now - 10,
    iat: now,
    jti: crypto.randomBytes(12).toString("hex"),
    access: input.access,
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = crypto.sign("sha256", Buffer.from(signingInput), signer.key);
  return `${signingInput}.${b64url(signature)}`;
}

/** `Authorization: Basic …` -> user and password, or null. */
export function basicCredentials(header: string | null): { username: string; password: string } | null {
  if (!header?.toLowerCase().startsWith("basic ")) return null;
  let decoded: string;
  try {
    decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  } catch {
    return null;
  }
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** Compares secrets in constant time (lengths aside). */
export function sameSecret(a: string, b: string): boolean {
  const crypto = nodeCrypto();
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}
