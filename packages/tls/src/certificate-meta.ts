import { z } from "zod";

/** `installed`: handed over by another subsystem (the cluster's registry, signed by its own CA), renewed by it. */
export const issuerKindSchema = z.enum(["acme", "self-signed", "installed"]);
export type IssuerKind = z.infer<typeof issuerKindSchema>;

/** pending: waiting for the first ACME certificate; issued: current goal met; failed: last attempt failed. */
export const certificateStatusSchema = z.enum(["pending", "issued", "failed"]);
export type CertificateStatus = z.infer<typeof certificateStatusSchema>;

/** Contents of `<dataDir>/certs/<host>/meta.json`. */
export const certificateMetaSchema = z.object({
  host: z.string(),
  /** Who signed the certificate currently on disk. */
  issuer: issuerKindSchema,
  /** Whether this host should end up with an ACME certificate. */
  acme: z.boolean(),
  status: certificateStatusSchema,
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
  serial: z.string(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.iso.datetime().nullable(),
  failures: z.number().int().min(0),
  updatedAt: z.iso.datetime(),
});
export type CertificateMeta = z.infer<typeof certificateMetaSchema>;

/** What a certificate says about itself, read from its PEM. */
export interface CertificateFacts {
  notBefore: Date;
  notAfter: Date;
  serial: string;
}

/** Per-domain state for the API: the stored meta and when renewal starts. */
export const domainStatusSchema = certificateMetaSchema.extend({
  /** When renewal starts (notAfter minus the renewal window). */
  renewAt: z.iso.datetime(),
});
