import type { CertificateFacts } from "./certificate-meta.ts";
import { nodeCrypto } from "./lazy-modules.ts";

/** Reads the leaf (first certificate) of a PEM chain. */
export function readCertificateFacts(certPem: string): CertificateFacts & { altNames: string[] } {
  const leaf = new (nodeCrypto().X509Certificate)(certPem);
  return {
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
    serial: leaf.serialNumber.toLowerCase(),
    altNames: (leaf.subjectAltName ?? "")
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry.startsWith("DNS:"))
      .map((entry) => entry.slice(4)),
  };
}

/** Guards against a cert/key pair torn by a crash between two file writes. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    const { X509Certificate, createPrivateKey } = nodeCrypto();
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
