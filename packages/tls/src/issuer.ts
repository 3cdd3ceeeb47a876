/** Where HTTP-01 tokens go; the proxy workers answer `/.well-known/acme-challenge/TOKEN` from it. */
export interface ChallengePublisher {
  set(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface IssuedCertificate {
  /** PEM, leaf first, then the chain. */
  cert: string;
  key: string;
}

/** Obtains a CA-signed certificate; the ACME implementation is `AcmeIssuer`, tests swap in fakes. */
export interface CertificateIssuer {
  issue(host: string, challenges: ChallengePublisher): Promise<IssuedCertificate>;
  close?(): void;
}
