import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import {
  certificateFingerprint,
  createClusterCa,
  issueServerCertificate,
  splitPemChain,
} from "./certificates.ts";

test("the registry's certificate chains to the cluster CA, whose fingerprint join commands pin", () => {
  const ca = createClusterCa("pier cluster CA");
  const leaf = issueServerCertificate(ca, "registry.example.com", 90);
  const [leafPem, caPem] = splitPemChain(leaf.cert) as [string, string];
  expect(caPem.trim()).toBe(ca.cert.trim());
  const leafCert = new X509Certificate(leafPem);
  const caCert = new X509Certificate(ca.cert);
  expect(leafCert.verify(caCert.publicKey)).toBe(true);
  expect(leafCert.checkHost("registry.example.com")).toBe("registry.example.com");
  expect(caCert.ca).toBe(true);
  expect(certificateFingerprint(ca.cert)).toMatch(/^[0-9a-f]{64}$/);
  const ip = new X509Certificate(splitPemChain(issueServerCertificate(ca, "10.0.0.5").cert)[0]!);
  expect(ip.checkIP("10.0.0.5")).toBe("10.0.0.5");
});
