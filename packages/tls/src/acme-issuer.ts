import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type * as AcmeClient from "acme-client";
import type { CertificateIssuer, ChallengePublisher, IssuedCertificate } from "./issuer.ts";
import { loadAcme, nodeCrypto, nodeHttps } from "./lazy-modules.ts";

export const LETS_ENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

export interface AcmeIssuerOptions {
  dataDir: string;
  directoryUrl?: string;
  /** Contact for the ACME account (expiry/incident mail from the CA). */
  email?: string;
  /** Extra CA (PEM) trusted for the ACME server's own HTTPS, e.g. Pebble's test CA. */
  caPem?: string;
  /** Key type of issued certificates. ECDSA P-256 is faster to make and to handshake. */
  keyType?: "ecdsa" | "rsa";
  /** How often acme-client polls order/authorization status (ms). */
  pollMinMs?: number;
  pollMaxMs?: number;
}

export const ACCOUNT_KEY_FILE = join("acme", "account-key.pem");

export class AcmeIssueError extends Error {
  readonly code = "acme_failed";
  constructor(host: string, directoryUrl: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(
      `ACME order for ${host} at ${directoryUrl} failed: ${detail}. Check that DNS for ${host} points ` +
        "to this server and that port 80 reaches pier.",
    );
    this.name = "AcmeIssueError";
  }
}

/**
 * Orders certificates over ACME with HTTP-01. acme-client sends every request through one
 * shared axios instance (node http adapter), so a custom CA is attached with a request
 * interceptor that only touches URLs on this issuer's ACME origin; under Bun an
 * `https.Agent({ ca })` is honoured there (and without it Pebble's API is rejected).
 */
export class AcmeIssuer implements CertificateIssuer {
  readonly directoryUrl: string;
  readonly #options: AcmeIssuerOptions;
  #client: Promise<AcmeClient.Client> | null = null;
  #interceptorId: number | null = null;

  constructor(options: AcmeIssuerOptions) {
    this.#options = options;
    this.directoryUrl = options.directoryUrl ?? LETS_ENCRYPT_PRODUCTION;
  }

  #attachCa(acme: typeof AcmeClient): void {
    if (!this.#options.caPem || this.#interceptorId !== null) return;
    const origin = new URL(this.directoryUrl).origin;
    const httpsAgent = new (nodeHttps().Agent)({ ca: this.#options.caPem, keepAlive: true });
    this.#interceptorId = acme.axios.interceptors.request.use((config) => {
      if (config.url && new URL(config.url, origin).origin === origin) config.httpsAgent = httpsAgent;
      return config;
    });
  }

  async issue(host: string, challenges: ChallengePublisher): Promise<IssuedCertificate> {
    try {
      const acme = loadAcme();
      this.#attachCa(acme);
      const client = await this.#acmeClient(acme);
      const key = createCertificateKey(this.#options.keyType ?? "ecdsa");
      const [, csr] = await acme.crypto.createCsr({ altNames: [host] }, key);
      const cert = await client.auto({
        csr,
        email: this.#options.email,
        termsOfServiceAgreed: true,
        // acme-client's own pre-check fetches http://HOST/ from this machine, which fails behind
        // NAT without hairpinning; the CA's validation is the one that counts.
        skipChallengeVerification: true,
        challengePriority: ["http-01"],
        challengeCreateFn: (_authz, challenge, keyAuthorization) =>
          challenges.set(challenge.token, keyAuthorization),
        challengeRemoveFn: (_authz, challenge) => challenges.remove(challenge.token),
      });
      return { cert, key };
    } catch (error) {
      throw new AcmeIssueError(host, this.directoryUrl, error);
    }
  }

  /** Detaches the CA interceptor from acme-client's shared axios instance. */
  close(): void {
    if (this.#interceptorId !== null) loadAcme().axios.interceptors.request.eject(this.#interceptorId);
    this.#interceptorId = null;
  }

  #acmeClient(acme: typeof AcmeClient): Promise<AcmeClient.Client> {
    this.#client ??= loadOrCreateAccountKey(this.#options.dataDir).then(
      (accountKey) =>
        new acme.Client({
          directoryUrl: this.directoryUrl,
          accountKey,
          backoffMin: this.#options.pollMinMs ?? 5000,
          backoffMax: this.#options.pollMaxMs ?? 30_000,
        }),
    );
    this.#client.catch(() => {
      this.#client = null;
    });
    return this.#client;
  }
}

/** The account key is made once and kept: a new key would mean a new ACME account. */
export async function loadOrCreateAccountKey(dataDir: string): Promise<string> {
  const path = join(dataDir, ACCOUNT_KEY_FILE);
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(join(dataDir, "acme"), { recursive: true, mode: 0o700 });
  const key = createCertificateKey("ecdsa");
  try {
    // "wx": if two starts race, the first key written wins and both use it.
    await writeFile(path, key, { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFile(path, "utf8");
    throw error;
  }
}

function createCertificateKey(type: "ecdsa" | "rsa"): string {
  const pair =
    type === "ecdsa"
      ? nodeCrypto().generateKeyPairSync("ec", {
          namedCurve: "P-256",
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
          publicKeyEncoding: { type: "spki", format: "pem" },
        })
      : nodeCrypto().generateKeyPairSync("rsa", {
          modulusLength: 2048,
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
          publicKeyEncoding: { type: "spki", format: "pem" },
        });
  return pair.privateKey;
}
