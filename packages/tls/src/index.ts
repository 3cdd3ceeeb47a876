export {
  AcmeIssueError,
  AcmeIssuer,
  type AcmeIssuerOptions,
  LETS_ENCRYPT_PRODUCTION,
  LETS_ENCRYPT_STAGING,
} from "./acme-issuer.ts";
export { type AcmeSettings, acmeSettingsFromEnv } from "./acme-settings.ts";
export {
  type CertificateMeta,
  type CertificateStatus,
  certificateMetaSchema,
  domainStatusSchema,
  type IssuerKind,
} from "./certificate-meta.ts";
export { type ChallengeListener, ChallengeMap } from "./challenge-map.ts";
export {
  AcmeDisabledError,
  InvalidHostError,
  InvalidTlsSettingsError,
  UnknownCertificateError,
  WildcardNeedsDns01Error,
} from "./errors.ts";
export { type HostName, hostNameSchema, parseHostName } from "./host-name.ts";
export type { CertificateIssuer, ChallengePublisher, IssuedCertificate } from "./issuer.ts";
export {
  CertificateManager,
  type CertificateManagerOptions,
  type CertificatesListener,
  type DomainStatus,
  type TlsCertificate,
  type TlsLog,
} from "./manager.ts";
export { BACKOFF_STEPS_MS, backoffDelayMs, RENEW_BEFORE_MS } from "./renewal.ts";
