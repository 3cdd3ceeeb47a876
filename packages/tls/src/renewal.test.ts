import { describe, expect, test } from "bun:test";
import type { CertificateMeta } from "./certificate-meta.ts";
import {
  acmeAttemptDue,
  acmeFailedMeta,
  acmeIssuedMeta,
  backoffDelayMs,
  selfSignedMeta,
  selfSignedRenewalDue,
  withAcmeWanted,
} from "./renewal.ts";

const DAY = 24 * 3600_000;
const now = new Date("2026-01-01T00:00:00Z");
const facts = (notAfter: Date, serial = "aa") => ({
  notBefore: new Date(now.getTime() - DAY),
  notAfter,
  serial,
});

function pendingMeta(): CertificateMeta {
  return selfSignedMeta({
    host: "app.example.com",
    acme: true,
    facts: facts(new Date(now.getTime() + 365 * DAY)),
    now,
  });
}

describe("backoffDelayMs", () => {
  test("grows 1 min, 5 min, 30 min, 2 h, 12 h and stays capped", () => {
    const minutes = [1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelayMs(n) / 60_000);
    expect(minutes).toEqual([1, 5, 30, 120, 720, 720, 720]);
    expect(backoffDelayMs(0)).toBe(0);
  });
});

describe("acmeAttemptDue", () => {
  test("a new ACME host is due at once; a self-signed-only host never", () => {
    expect(acmeAttemptDue(pendingMeta(), now)).toBe(true);
    expect(acmeAttemptDue({ ...pendingMeta(), acme: false }, now)).toBe(false);
  });

  test("an ACME certificate is due 30 days before expiry, not a second earlier", () => {
    const issued = acmeIssuedMeta(pendingMeta(), facts(new Date(now.getTime() + 90 * DAY)), now);
    const windowOpens = new Date(now.getTime() + 60 * DAY);
    expect(acmeAttemptDue(issued, new Date(windowOpens.getTime() - 1000))).toBe(false);
    expect(acmeAttemptDue(issued, windowOpens)).toBe(true);
  });

  test("a failure waits for its back-off, then is due again", () => {
    const failed = acmeFailedMeta(pendingMeta(), "connection refused", now);
    expect(failed.status).toBe("failed");
    expect(failed.lastError).toBe("connection refused");
    expect(failed.nextAttemptAt).toBe(new Date(now.getTime() + 60_000).toISOString());
    expect(acmeAttemptDue(failed, new Date(now.getTime() + 59_000))).toBe(false);
    expect(acmeAttemptDue(failed, new Date(now.getTime() + 60_000))).toBe(true);
    const twice = acmeFailedMeta(failed, "again", new Date(now.getTime() + 60_000));
    expect(twice.failures).toBe(2);
    expect(Date.parse(twice.nextAttemptAt!) - (now.getTime() + 60_000)).toBe(5 * 60_000);
  });

  test("a failed renewal of a still-valid certificate keeps the certificate facts", () => {
    const issued = acmeIssuedMeta(pendingMeta(), facts(new Date(now.getTime() + 10 * DAY), "bb"), now);
    const failed = acmeFailedMeta(issued, "rate limited", now);
    expect(failed.issuer).toBe("acme");
    expect(failed.serial).toBe("bb");
    expect(failed.notAfter).toBe(issued.notAfter);
  });
});

describe("status transitions", () => {
  test("success clears failures and marks the certificate as ACME-issued", () => {
    const failed = acmeFailedMeta(acmeFailedMeta(pendingMeta(), "x", now), "y", now);
    const issued = acmeIssuedMeta(failed, facts(new Date(now.getTime() + 90 * DAY), "cc"), now);
    expect(issued).toMatchObject({
      issuer: "acme",
      status: "issued",
      failures: 0,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(issued.serial).toBe("cc");
  });

  test("self-signed-only hosts are issued; ACME hosts pending until the CA answers", () => {
    const base = { host: "a.example.com", facts: facts(new Date(now.getTime() + DAY)), now };
    expect(selfSignedMeta({ ...base, acme: false }).status).toBe("issued");
    expect(selfSignedMeta({ ...base, acme: true }).status).toBe("pending");
  });

  test("a fresh placeholder keeps the ACME back-off in force", () => {
    const failed = acmeFailedMeta(pendingMeta(), "x", now);
    const remade = selfSignedMeta({
      host: failed.host,
      acme: true,
      facts: facts(new Date(now.getTime() + 365 * DAY)),
      now,
      previous: failed,
    });
    expect(remade).toMatchObject({ status: "failed", failures: 1, nextAttemptAt: failed.nextAttemptAt });
  });

  test("self-signed placeholders are re-made inside the renewal window", () => {
    const meta = selfSignedMeta({
      host: "a.example.com",
      acme: false,
      facts: facts(new Date(now.getTime() + 31 * DAY)),
      now,
    });
    expect(selfSignedRenewalDue(meta, now)).toBe(false);
    expect(selfSignedRenewalDue(meta, new Date(now.getTime() + 1.5 * DAY))).toBe(true);
  });

  test("turning ACME on makes a self-signed host pending and clears old failures", () => {
    const selfOnly = { ...pendingMeta(), acme: false, status: "issued" as const };
    const wanted = withAcmeWanted(selfOnly, true, now);
    expect(wanted).toMatchObject({ acme: true, status: "pending", failures: 0 });
    expect(withAcmeWanted(wanted, true, now)).toBe(wanted);
  });
});
