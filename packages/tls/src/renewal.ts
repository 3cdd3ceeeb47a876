// Pure renewal policy and status transitions: no I/O, time passed in.
import type { CertificateFacts, CertificateMeta } from "./certificate-meta.ts";

export const RENEW_BEFORE_MS = 30 * 24 * 3600_000;

/** Waits after the 1st, 2nd, ... consecutive failure; the last one repeats. */
export const BACKOFF_STEPS_MS = [60_000, 5 * 60_000, 30 * 60_000, 2 * 3600_000, 12 * 3600_000] as const;

export function backoffDelayMs(consecutiveFailures: number): number {
  if (consecutiveFailures <= 0) return 0;
  const index = Math.min(consecutiveFailures, BACKOFF_STEPS_MS.length) - 1;
  return BACKOFF_STEPS_MS[index]!;
}

export function renewalDueAt(meta: Pick<CertificateMeta, "notAfter">, renewBeforeMs = RENEW_BEFORE_MS): Date {
  return new Date(Date.parse(meta.notAfter) - renewBeforeMs);
}

/** Should an ACME order be placed for this host now? */
export function acmeAttemptDue(meta: CertificateMeta, now: Date, renewBeforeMs = RENEW_BEFORE_MS): boolean {
  if (!meta.acme) return false;
  if (meta.nextAttemptAt !== null && now.getTime() < Date.parse(meta.nextAttemptAt)) return false;
  if (meta.issuer === "self-signed") return true;
  return now.getTime() >= renewalDueAt(meta, renewBeforeMs).getTime();
}

/** Self-signed placeholders are re-made locally; that never fails in ways worth backing off for. */
export function selfSignedRenewalDue(
  meta: CertificateMeta,
  now: Date,
  renewBeforeMs = RENEW_BEFORE_MS,
): boolean {
  return meta.issuer === "self-signed" && now.getTime() >= renewalDueAt(meta, renewBeforeMs).getTime();
}

function factsFields(facts: CertificateFacts) {
  return {
    notBefore: facts.notBefore.toISOString(),
    notAfter: facts.notAfter.toISOString(),
    serial: facts.serial,
  };
}

export function selfSignedMeta(input: {
  host: string;
  acme: boolean;
  facts: CertificateFacts;
  now: Date;
  previous?: CertificateMeta;
}): CertificateMeta {
  const { previous } = input;
  // A fresh placeholder keeps any ACME back-off already in force.
  const keepsFailure = input.acme && previous?.status === "failed";
  return {
    host: input.host,
    issuer: "self-signed",
    acme: input.acme,
    status: keepsFailure ? "failed" : input.acme ? "pending" : "issued",
    ...factsFields(input.facts),
    lastError: keepsFailure ? previous.lastError : null,
    nextAttemptAt: keepsFailure ? previous.nextAttemptAt : null,
    failures: keepsFailure ? previous.failures : 0,
    updatedAt: input.now.toISOString(),
  };
}

/** Switch ACME on or off for a host without touching the certificate it has. */
export function withAcmeWanted(meta: CertificateMeta, acme: boolean, now: Date): CertificateMeta {
  if (meta.acme === acme) return meta;
  const status = acme ? (meta.issuer === "acme" ? "issued" : "pending") : "issued";
  return {
    ...meta,
    acme,
    status,
    lastError: null,
    nextAttemptAt: null,
    failures: 0,
    updatedAt: now.toISOString(),
  };
}

export function acmeIssuedMeta(meta: CertificateMeta, facts: CertificateFacts, now: Date): CertificateMeta {
  return {
    ...meta,
    issuer: "acme",
    status: "issued",
    ...factsFields(facts),
    lastError: null,
    nextAttemptAt: null,
    failures: 0,
    updatedAt: now.toISOString(),
  };
}

export function acmeFailedMeta(meta: CertificateMeta, reason: string, now: Date): CertificateMeta {
  const failures = meta.failures + 1;
  return {
    ...meta,
    status: "failed",
    lastError: reason,
    failures,
    nextAttemptAt: new Date(now.getTime() + backoffDelayMs(failures)).toISOString(),
    updatedAt: now.toISOString(),
  };
}
