import { expect, test } from "bun:test";
import { tmpdir } from "node:os";
import type { DomainStatus } from "@pier/tls";
import { hostResources, summarizeCertificates } from "./platform-health.ts";

const day = 86_400_000;
const now = Date.UTC(2026, 5, 1);

function certificate(
  host: string,
  issuer: "acme" | "self-signed",
  status: DomainStatus["status"],
  daysLeft: number,
) {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    host,
    issuer,
    acme: true,
    status,
    notBefore: iso(now - day),
    notAfter: iso(now + daysLeft * day),
    serial: "01",
    lastError: null,
    nextAttemptAt: null,
    failures: 0,
    updatedAt: iso(now),
    renewAt: iso(now + (daysLeft - 30) * day),
  } satisfies DomainStatus;
}

test("a self-signed certificate is not counted as trusted; one close to expiry is named", () => {
  const summary = summarizeCertificates(
    [
      certificate("ok.example.com", "acme", "issued", 80),
      certificate("new.example.com", "self-signed", "pending", 365),
      certificate("stuck.example.com", "acme", "failed", 5),
    ],
    now,
  );
  expect(summary).toMatchObject({ total: 3, trusted: 1, selfSigned: 1, failed: 1 });
  expect(summary.expiringSoon.map((c) => c.host)).toEqual(["stuck.example.com"]);
});

test("host resources read memory and the data dir's disk", async () => {
  const host = await hostResources(tmpdir());
  expect(host.memory.totalBytes).toBeGreaterThan(host.memory.freeBytes);
  expect(host.disk?.totalBytes).toBeGreaterThan(0);
  expect(host.cpus).toBeGreaterThan(0);
  expect((await hostResources("/does/not/exist")).disk).toBeNull();
});
