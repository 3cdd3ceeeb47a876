export class InvalidHostError extends Error {
  readonly code = "invalid_host";
  constructor(host: string, reason: string) {
    super(`"${host}" is not a valid host name: ${reason}. Use a DNS name such as app.example.com.`);
    this.name = "InvalidHostError";
  }
}

export class WildcardNeedsDns01Error extends Error {
  readonly code = "wildcard_needs_dns01";
  constructor(host: string) {
    super(
      `A certificate for "${host}" needs the ACME DNS-01 challenge, which pier does not support. ` +
        `Add each host name instead (e.g. ${host.replace("*.", "app.")}), or request a self-signed certificate for the wildcard.`,
    );
    this.name = "WildcardNeedsDns01Error";
  }
}

export class UnknownCertificateError extends Error {
  readonly code = "certificate_not_found";
  constructor(host: string) {
    super(`No certificate is managed for "${host}". Add the domain first (ensure) before renewing it.`);
    this.name = "UnknownCertificateError";
  }
}

export class AcmeDisabledError extends Error {
  readonly code = "acme_disabled";
  constructor(host: string) {
    super(
      `Cannot request an ACME certificate for "${host}": ACME is disabled. ` +
        "Set an ACME contact email / directory (PIER_ACME_EMAIL, PIER_ACME_DIRECTORY) to enable it.",
    );
    this.name = "AcmeDisabledError";
  }
}

export class InvalidTlsSettingsError extends Error {
  readonly code = "invalid_tls_settings";
  constructor(detail: string) {
    super(`Invalid TLS/ACME settings: ${detail}`);
    this.name = "InvalidTlsSettingsError";
  }
}
