/** How a certificate reads in the dashboard: a self-signed one is never a green "issued". Pure. */
import type { Tone } from "./format.ts";

export interface CertificateFacts {
  issuer: string;
  acme: boolean;
  status: string;
  notAfter: string;
  lastError?: string | null;
}

export function certificateState(
  tls: CertificateFacts | null,
  now = Date.now(),
): { label: string; tone: Tone } {
  if (!tls) return { label: "No certificate", tone: "muted" };
  if (new Date(tls.notAfter).getTime() < now) return { label: "Expired", tone: "bad" };
  if (tls.status === "failed")
    return { label: tls.issuer === "acme" ? "Renewal failing" : "ACME failing", tone: "bad" };
  if (tls.issuer === "self-signed")
    return tls.acme
      ? { label: "Self-signed, waiting for ACME", tone: "warn" }
      : { label: "Self-signed", tone: "warn" };
  if (tls.status === "pending") return { label: "Pending", tone: "warn" };
  return { label: "Trusted", tone: "ok" };
}
