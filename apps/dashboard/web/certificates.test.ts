import { expect, test } from "bun:test";
import { certificateState } from "./certificates.ts";

const now = Date.UTC(2026, 0, 10);
const later = new Date(now + 80 * 86_400_000).toISOString();

test("only a current ACME certificate is trusted; self-signed, failing and expired ones say so", () => {
  expect(certificateState({ issuer: "acme", acme: true, status: "issued", notAfter: later }, now)).toEqual({
    label: "Trusted",
    tone: "ok",
  });
  expect(
    certificateState({ issuer: "self-signed", acme: false, status: "issued", notAfter: later }, now).tone,
  ).toBe("warn");
  expect(
    certificateState({ issuer: "self-signed", acme: true, status: "pending", notAfter: later }, now).label,
  ).toBe("Self-signed, waiting for ACME");
  expect(certificateState({ issuer: "acme", acme: true, status: "failed", notAfter: later }, now).tone).toBe(
    "bad",
  );
  expect(
    certificateState(
      { issuer: "acme", acme: true, status: "issued", notAfter: new Date(now - 1).toISOString() },
      now,
    ).label,
  ).toBe("Expired");
  expect(certificateState(null, now).label).toBe("No certificate");
});
