import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCertificateFacts } from "./certificate-facts.ts";
import { selfSignedMeta } from "./renewal.ts";
import { SelfSignedIssuer } from "./self-signed.ts";
import { CertificateStore } from "./store.ts";

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "pier-tls-store-"));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const issuer = new SelfSignedIssuer();
function record(host: string) {
  const issued = issuer.issue(host);
  const meta = selfSignedMeta({
    host,
    acme: false,
    facts: readCertificateFacts(issued.cert),
    now: new Date(),
  });
  return { meta, ...issued };
}

test("saves to certs/<host>/ and loads everything back, wildcard included", async () => {
  const store = new CertificateStore(dataDir);
  await store.save(record("app.example.com"));
  await store.save(record("*.example.com"));
  expect(statSync(join(dataDir, "certs", "app.example.com", "key.pem")).mode & 0o777).toBe(0o600);
  expect(statSync(join(dataDir, "certs", "_.example.com", "meta.json")).isFile()).toBe(true);
  const { certificates, skipped } = await new CertificateStore(dataDir).loadAll();
  expect(skipped).toEqual([]);
  expect(certificates.map((c) => c.meta.host).sort()).toEqual(["*.example.com", "app.example.com"]);
});

test("skips torn or corrupt entries instead of failing the whole load", async () => {
  const store = new CertificateStore(dataDir);
  await store.save(record("good.example.com"));
  await store.save(record("torn.example.com"));
  await store.save(record("corrupt.example.com"));
  // A fresh issuer has a different key, so this pair no longer matches (as after a torn write).
  writeFileSync(
    join(dataDir, "certs", "torn.example.com", "key.pem"),
    new SelfSignedIssuer().issue("x.example.com").key,
  );
  writeFileSync(join(dataDir, "certs", "corrupt.example.com", "meta.json"), '{"host": 1}');
  const { certificates, skipped } = await store.loadAll();
  expect(certificates.map((c) => c.meta.host)).toEqual(["good.example.com"]);
  expect(skipped.map((s) => s.directory.split("/").pop()).sort()).toEqual([
    "corrupt.example.com",
    "torn.example.com",
  ]);
  expect(skipped.find((s) => s.directory.endsWith("torn.example.com"))!.reason).toMatch(/does not match/);
});

test("an empty data dir loads nothing", async () => {
  expect(await new CertificateStore(dataDir).loadAll()).toEqual({ certificates: [], skipped: [] });
});
