import { expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { readCertificateFacts } from "./certificate-facts.ts";
import { SelfSignedIssuer } from "./self-signed.ts";

test("self-signed certificate names the host, verifies with its own key and lasts a year", () => {
  const now = new Date("2026-03-01T00:00:00Z");
  const issued = new SelfSignedIssuer().issue("app.example.com", now);
  const cert = new X509Certificate(issued.cert);
  expect(cert.subjectAltName).toBe("DNS:app.example.com");
  expect(cert.verify(cert.publicKey)).toBe(true);
  const facts = readCertificateFacts(issued.cert);
  expect(facts.notAfter.getTime() - now.getTime()).toBeGreaterThan(364 * 24 * 3600_000);
  expect(facts.notBefore.getTime()).toBeLessThanOrEqual(now.getTime());
});

test("one key per issuer, a fresh serial per certificate, wildcard SAN", () => {
  const issuer = new SelfSignedIssuer();
  const a = issuer.issue("a.example.com");
  const b = issuer.issue("*.example.com");
  expect(a.key).toBe(b.key);
  expect(readCertificateFacts(a.cert).serial).not.toBe(readCertificateFacts(b.cert).serial);
  expect(readCertificateFacts(b.cert).altNames).toEqual(["*.example.com"]);
});

test("Bun.serve answers HTTPS with it for the named host", async () => {
  const issued = new SelfSignedIssuer().issue("localhost");
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: issued.cert, key: issued.key, serverName: "localhost" },
    fetch: () => new Response("secure"),
  });
  try {
    const response = await fetch(`https://localhost:${server.port}/`, { tls: { ca: issued.cert } });
    expect(await response.text()).toBe("secure");
  } finally {
    server.stop(true);
  }
});

test("issuing after the first is cheap (shared key, native signing)", () => {
  const issuer = new SelfSignedIssuer();
  issuer.issue("warm.example.com");
  const started = performance.now();
  for (let i = 0; i < 20; i++) issuer.issue(`h${i}.example.com`);
  const perCertificateMs = (performance.now() - started) / 20;
  console.log(`self-signed: ${perCertificateMs.toFixed(2)} ms per certificate with a warm key`);
  expect(perCertificateMs).toBeLessThan(25);
});
