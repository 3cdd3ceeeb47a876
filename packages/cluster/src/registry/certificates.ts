import type * as NodeCrypto from "node:crypto";
import type Forge from "node-forge";

// Loaded on first use: certificate work happens at `pier cluster init` and renewals, not at start.
const loadForge = (): typeof Forge => require("node-forge");
const nodeCrypto = (): typeof NodeCrypto => require("node:crypto");

export interface KeyPair {
  cert: string;
  key: string;
}

const day = 24 * 3600_000;

function rsaKey(): {
  privatePem: string;
  forgeKey: Forge.pki.rsa.PrivateKey;
  publicKey: Forge.pki.PublicKey;
} {
  const { privateKey, publicKey } = nodeCrypto().generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const forge = loadForge();
  return {
    privatePem: privateKey,
    forgeKey: forge.pki.privateKeyFromPem(privateKey) as Forge.pki.rsa.PrivateKey,
    publicKey: forge.pki.publicKeyFromPem(publicKey),
  };
}

function serial(): string {
  return `01${nodeCrypto().randomBytes(15).toString("hex")}`;
}

/**
 * The cluster's own certificate authority: nodes trust it for the registry once (`pier cluster
 * join` pins it by its SHA-256 fingerprint), so the registry's certificate can be renewed without
 * touching any node again. Ten years.
 */
export function createClusterCa(name: string, now = new Date()): KeyPair {
  const forge = loadForge();
  const key = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 3650 * day);
  const subject = [
    { name: "commonName", value: name },
    { name: "organizationName", value: "pier cluster" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key.forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: key.privatePem };
}

/** A server certificate for `host` signed by the cluster CA; `cert` holds the chain (leaf, CA). */
export function issueServerCertificate(ca: KeyPair, host: string, validDays = 90, now = new Date()): KeyPair {
  const forge = loadForge();
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key) as Forge.pki.rsa.PrivateKey;
  const key = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + validDays * day);
  cert.setSubject([{ name: "commonName", value: host }]);
  cert.setIssuer(caCert.subject.attributes);
  const ip = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [ip ? { type: 7, ip: host } : { type: 2, value: host }] },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: `${forge.pki.certificateToPem(cert)}${ca.cert}`, key: key.privatePem };
}

/** A self-signed certificate for a signing key (the registry reads token keys from certificates). */
export function createSigningCertificate(name: string, now = new Date()): KeyPair {
  const forge = loadForge();
  const key = rsaKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + 3650 * day);
  const subject = [{ name: "commonName", value: name }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([{ name: "keyUsage", digitalSignature: true, critical: true }]);
  cert.sign(key.forgeKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: key.privatePem };
}

/** SHA-256 of a certificate's DER, lower-case hex: what join commands pin. */
export function certificateFingerprint(pem: string): string {
  const x509 = new (nodeCrypto().X509Certificate)(pem);
  return x509.fingerprint256.replaceAll(":", "").toLowerCase();
}

/** When a PEM certificate (its first one) stops being valid. */
export function certificateNotAfter(pem: string): Date {
  return new Date(new (nodeCrypto().X509Certificate)(pem).validTo);
}

/** The PEM of each certificate in a chain. */
export function splitPemChain(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}
