import type Forge from "node-forge";
import type { IssuedCertificate } from "./issuer.ts";
import { loadForge, nodeCrypto } from "./lazy-modules.ts";

export const SELF_SIGNED_VALIDITY_MS = 365 * 24 * 3600_000;

/**
 * Placeholder certificates so HTTPS answers before a real one exists. node-forge builds the
 * certificate; key generation and signing go through node:crypto, which is native and far faster
 * than forge's JavaScript RSA (docs/performance.md, Measured while building). One RSA key is made
 * per instance and shared by every placeholder, because generating one is the slow part — these
 * certificates are not trusted by anyone, so sharing their key loses nothing.
 */
export class SelfSignedIssuer {
  #key: { privatePem: string; publicKey: Forge.pki.PublicKey } | null = null;

  issue(host: string, now: Date = new Date()): IssuedCertificate {
    const forge = loadForge();
    const key = this.#sharedKey();
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.publicKey;
    // Positive, 16 random bytes: browsers reject reused issuer+serial pairs.
    cert.serialNumber = `01${nodeCrypto().randomBytes(15).toString("hex")}`;
    cert.validity.notBefore = new Date(now.getTime() - 60_000);
    cert.validity.notAfter = new Date(now.getTime() + SELF_SIGNED_VALIDITY_MS);
    const name = [
      { name: "commonName", value: host },
      { name: "organizationName", value: "pier self-signed" },
    ];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: host }] },
    ]);
    const oid = forge.pki.oids.sha256WithRSAEncryption!;
    cert.siginfo.algorithmOid = oid;
    cert.signatureOid = oid;
    const tbs = forge.asn1.toDer(tbsCertificate(cert)).getBytes();
    cert.signature = nodeCrypto()
      .createSign("sha256")
      .update(Buffer.from(tbs, "binary"))
      .sign(key.privatePem)
      .toString("binary");
    return { cert: forge.pki.certificateToPem(cert), key: key.privatePem };
  }

  #sharedKey() {
    if (!this.#key) {
      const { privateKey, publicKey } = nodeCrypto().generateKeyPairSync("rsa", {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      });
      this.#key = { privatePem: privateKey, publicKey: loadForge().pki.publicKeyFromPem(publicKey) };
    }
    return this.#key;
  }
}

// Present in node-forge since 0.x but missing from @types/node-forge.
function tbsCertificate(cert: Forge.pki.Certificate): Forge.asn1.Asn1 {
  return (
    loadForge().pki as unknown as { getTBSCertificate(c: Forge.pki.Certificate): Forge.asn1.Asn1 }
  ).getTBSCertificate(cert);
}
