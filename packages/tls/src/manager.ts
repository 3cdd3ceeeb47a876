import type { z } from "zod";
import { AcmeIssuer, type AcmeIssuerOptions } from "./acme-issuer.ts";
import { keyMatchesCertificate, readCertificateFacts } from "./certificate-facts.ts";
import type { CertificateMeta, domainStatusSchema } from "./certificate-meta.ts";
import { ChallengeMap } from "./challenge-map.ts";
import { AcmeDisabledError, UnknownCertificateError } from "./errors.ts";
import { hostNameSchema, parseHostName } from "./host-name.ts";
import type { CertificateIssuer, ChallengePublisher } from "./issuer.ts";
import {
  acmeAttemptDue,
  acmeFailedMeta,
  acmeIssuedMeta,
  RENEW_BEFORE_MS,
  renewalDueAt,
  selfSignedMeta,
  selfSignedRenewalDue,
  withAcmeWanted,
} from "./renewal.ts";
import { SelfSignedIssuer } from "./self-signed.ts";
import { CertificateStore, type StoredCertificate } from "./store.ts";

/** Shape the proxy's `setCertificates` takes. */
export interface TlsCertificate {
  serverName: string;
  cert: string;
  key: string;
}

/** Per-domain state for the API. */
export type DomainStatus = z.infer<typeof domainStatusSchema>;

export type CertificatesListener = (certificates: TlsCertificate[]) => void;
export type TlsLog = (level: "info" | "warn", message: string, fields?: Record<string, unknown>) => void;

export interface CertificateManagerOptions {
  dataDir: string;
  /** ACME settings; leave out (or false) to serve self-signed certificates only. */
  acme?: Omit<AcmeIssuerOptions, "dataDir"> | false;
  /** Replaces the ACME issuer (tests, other CAs). Setting it turns ACME on. */
  issuer?: CertificateIssuer;
  /** Where HTTP-01 tokens are published; defaults to a new `ChallengeMap`. */
  challenges?: ChallengePublisher;
  renewBeforeMs?: number;
  /** How often `renewDue` runs once started. */
  checkIntervalMs?: number;
  clock?: () => Date;
  log?: TlsLog;
}

export class CertificateManager {
  readonly challenges: ChallengePublisher;
  readonly acmeEnabled: boolean;
  readonly #store: CertificateStore;
  readonly #selfSigned = new SelfSignedIssuer();
  readonly #issuer: CertificateIssuer | null;
  readonly #entries = new Map<string, StoredCertificate>();
  readonly #attempts = new Map<string, Promise<DomainStatus>>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #listeners = new Set<CertificatesListener>();
  readonly #renewBeforeMs: number;
  readonly #checkIntervalMs: number;
  readonly #clock: () => Date;
  readonly #log: TlsLog;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: CertificateManagerOptions) {
    this.#store = new CertificateStore(options.dataDir);
    this.#issuer =
      options.issuer ?? (options.acme ? new AcmeIssuer({ ...options.acme, dataDir: options.dataDir }) : null);
    this.acmeEnabled = this.#issuer !== null;
    this.challenges = options.challenges ?? new ChallengeMap();
    this.#renewBeforeMs = options.renewBeforeMs ?? RENEW_BEFORE_MS;
    this.#checkIntervalMs = options.checkIntervalMs ?? 60_000;
    this.#clock = options.clock ?? (() => new Date());
    this.#log = options.log ?? (() => {});
  }

  /**
   * Loads every stored certificate, then (unless `renewals` is false: another pier renews, see
   * `startRenewals`) checks renewals now and every `checkIntervalMs`.
   */
  async start(options: { renewals?: boolean } = {}): Promise<void> {
    const { certificates, skipped } = await this.#store.loadAll();
    for (const entry of skipped) this.#log("warn", "ignoring unreadable certificate directory", { ...entry });
    for (const stored of certificates) this.#entries.set(stored.meta.host, stored);
    this.#emit();
    if (options.renewals !== false) this.startRenewals();
  }

  /** Checks renewals now and every `checkIntervalMs` (the pier holding the primary role does). */
  startRenewals(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#renewInBackground(), this.#checkIntervalMs);
    this.#timer.unref?.();
    void this.#renewInBackground();
  }

  /** No more renewal checks; an order in flight goes on (see `stop`). */
  stopRenewals(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Stops the renewal timer and waits up to `waitMs` for ACME orders in flight: acme-client
   * retries an unreachable CA for over a minute, which must not hold up a shutdown. An order
   * still running afterwards is simply abandoned (it writes nothing until it completes).
   */
  async stop(options: { waitMs?: number } = {}): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.settled(),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, options.waitMs ?? 5000);
      }),
    ]);
    clearTimeout(timeout);
    this.#issuer?.close?.();
  }

  /**
   * Makes sure `host` has a certificate: a self-signed one right away, then (when ACME is on and
   * wanted for this host) an ACME order in the background. Pass `{ acme: false }` for hosts that
   * should stay self-signed, such as wildcards.
   */
  async ensure(input: string, options: { acme?: boolean } = {}): Promise<DomainStatus> {
    const acme = options.acme ?? this.acmeEnabled;
    const host = parseHostName(input, { acme });
    if (acme && !this.acmeEnabled) throw new AcmeDisabledError(host);
    const status = await this.#withLock(host, async () => {
      const now = this.#clock();
      const existing = this.#entries.get(host);
      if (existing) {
        const meta = withAcmeWanted(existing.meta, acme, now);
        if (meta !== existing.meta) await this.#put({ ...existing, meta });
        return toStatus(meta, this.#renewBeforeMs);
      }
      const issued = this.#selfSigned.issue(host, now);
      const meta = selfSignedMeta({ host, acme, facts: readCertificateFacts(issued.cert), now });
      await this.#put({ meta, ...issued });
      this.#log("info", "self-signed certificate created", { host });
      return toStatus(meta, this.#renewBeforeMs);
    });
    if (acmeAttemptDue(this.#entries.get(host)!.meta, this.#clock(), this.#renewBeforeMs)) {
      void this.#attemptAcme(host);
    }
    return status;
  }

  /**
   * Serves a certificate issued elsewhere for `host` (a chain in PEM, leaf first, and its key):
   * neither ACME nor the self-signed renewal touches it; whoever installed it installs the next one.
   */
  async install(input: string, certificate: { cert: string; key: string }): Promise<DomainStatus> {
    const host = parseHostName(input, { acme: false });
    if (!keyMatchesCertificate(certificate.cert, certificate.key))
      throw new Error(`the key does not belong to the certificate given for ${host}`);
    const facts = readCertificateFacts(certificate.cert);
    const now = this.#clock();
    const meta: CertificateMeta = {
      ...selfSignedMeta({ host, acme: false, facts, now }),
      issuer: "installed",
    };
    await this.#withLock(host, () => this.#put({ meta, ...certificate }));
    this.#log("info", "certificate installed", { host, notAfter: meta.notAfter });
    return toStatus(meta, this.#renewBeforeMs);
  }

  status(input: string): DomainStatus | undefined {
    const parsed = hostNameSchema.safeParse(input);
    const entry = parsed.success ? this.#entries.get(parsed.data) : undefined;
    return entry ? toStatus(entry.meta, this.#renewBeforeMs) : undefined;
  }

  list(): DomainStatus[] {
    return [...this.#entries.values()]
      .map((entry) => toStatus(entry.meta, this.#renewBeforeMs))
      .sort((a, b) => a.host.localeCompare(b.host));
  }

  certificates(): TlsCertificate[] {
    return [...this.#entries.values()]
      .sort((a, b) => a.meta.host.localeCompare(b.meta.host))
      .map(({ meta, cert, key }) => ({ serverName: meta.host, cert, key }));
  }

  /** Called with the full certificate list after every change; returns an unsubscribe function. */
  onChange(listener: CertificatesListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Re-makes expiring self-signed placeholders and places the ACME orders that are due (first
   * issuance, renewal window reached, back-off elapsed), one after another to stay polite with
   * the CA's rate limits. Returns the status of every host it acted on.
   */
  async renewDue(now: Date = this.#clock()): Promise<DomainStatus[]> {
    const results: DomainStatus[] = [];
    for (const host of [...this.#entries.keys()]) {
      const entry = this.#entries.get(host);
      if (!entry) continue;
      if (selfSignedRenewalDue(entry.meta, now, this.#renewBeforeMs)) {
        results.push(await this.#renewSelfSigned(host));
      }
      const meta = this.#entries.get(host)?.meta;
      if (meta && this.acmeEnabled && acmeAttemptDue(meta, now, this.#renewBeforeMs)) {
        results.push(await this.#attemptAcme(host));
      }
    }
    return results;
  }

  /** Renews now, ignoring the renewal window and any back-off. Resolves when the attempt is over. */
  async forceRenew(input: string): Promise<DomainStatus> {
    const parsed = hostNameSchema.safeParse(input);
    const entry = parsed.success ? this.#entries.get(parsed.data) : undefined;
    if (!entry) throw new UnknownCertificateError(String(input));
    if (entry.meta.acme && this.acmeEnabled) return this.#attemptAcme(entry.meta.host);
    return this.#renewSelfSigned(entry.meta.host);
  }

  async remove(input: string): Promise<boolean> {
    const parsed = hostNameSchema.safeParse(input);
    if (!parsed.success || !this.#entries.has(parsed.data)) return false;
    const host = parsed.data;
    await this.#withLock(host, async () => {
      this.#entries.delete(host);
      await this.#store.remove(host);
    });
    this.#emit();
    return true;
  }

  /** Resolves when no ACME order is in flight. */
  async settled(): Promise<void> {
    while (this.#attempts.size > 0) await Promise.allSettled([...this.#attempts.values()]);
  }

  #attemptAcme(host: string): Promise<DomainStatus> {
    const running = this.#attempts.get(host);
    if (running) return running;
    const attempt = this.#runAcme(host).finally(() => this.#attempts.delete(host));
    this.#attempts.set(host, attempt);
    return attempt;
  }

  async #runAcme(host: string): Promise<DomainStatus> {
    const issuer = this.#issuer;
    if (!issuer) throw new AcmeDisabledError(host);
    this.#log("info", "ACME order started", { host });
    let outcome: { cert: string; key: string; facts: ReturnType<typeof readCertificateFacts> } | Error;
    try {
      const issued = await issuer.issue(host, this.challenges);
      const facts = readCertificateFacts(issued.cert);
      if (!facts.altNames.includes(host)) {
        throw new Error(`the CA returned a certificate for ${facts.altNames.join(", ") || "no names"}`);
      }
      outcome = { ...issued, facts };
    } catch (error) {
      outcome = error instanceof Error ? error : new Error(String(error));
    }
    return this.#withLock(host, async () => {
      const entry = this.#entries.get(host);
      // Removed while the order ran: drop the result.
      if (!entry) throw new UnknownCertificateError(host);
      const now = this.#clock();
      if (outcome instanceof Error) {
        const meta = acmeFailedMeta(entry.meta, outcome.message, now);
        await this.#put({ ...entry, meta }, { certificateChanged: false });
        this.#log("warn", "ACME order failed", {
          host,
          error: outcome.message,
          nextAttemptAt: meta.nextAttemptAt,
        });
        return toStatus(meta, this.#renewBeforeMs);
      }
      const meta = acmeIssuedMeta(entry.meta, outcome.facts, now);
      await this.#put({ meta, cert: outcome.cert, key: outcome.key });
      this.#log("info", "ACME certificate issued", { host, notAfter: meta.notAfter });
      return toStatus(meta, this.#renewBeforeMs);
    });
  }

  #renewSelfSigned(host: string): Promise<DomainStatus> {
    return this.#withLock(host, async () => {
      const entry = this.#entries.get(host);
      if (!entry) throw new UnknownCertificateError(host);
      const now = this.#clock();
      const issued = this.#selfSigned.issue(host, now);
      const facts = readCertificateFacts(issued.cert);
      const meta = selfSignedMeta({ host, acme: entry.meta.acme, facts, now, previous: entry.meta });
      await this.#put({ meta, ...issued });
      return toStatus(meta, this.#renewBeforeMs);
    });
  }

  async #put(stored: StoredCertificate, options = { certificateChanged: true }): Promise<void> {
    if (options.certificateChanged) await this.#store.save(stored);
    else await this.#store.saveMeta(stored.meta);
    this.#entries.set(stored.meta.host, stored);
    if (options.certificateChanged) this.#emit();
  }

  #emit(): void {
    if (this.#listeners.size === 0) return;
    const certificates = this.certificates();
    for (const listener of this.#listeners) {
      try {
        listener(certificates);
      } catch (error) {
        this.#log("warn", "certificate listener threw", { error: String(error) });
      }
    }
  }

  async #renewInBackground(): Promise<void> {
    try {
      await this.renewDue();
    } catch (error) {
      this.#log("warn", "renewal check failed", { error: String(error) });
    }
  }

  /** Serialises state changes per host so a renewal and an ensure never interleave their writes. */
  async #withLock<T>(host: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(host) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => {});
    this.#locks.set(host, tail);
    try {
      return await run;
    } finally {
      if (this.#locks.get(host) === tail) this.#locks.delete(host);
    }
  }
}

function toStatus(meta: CertificateMeta, renewBeforeMs: number): DomainStatus {
  return { ...meta, renewAt: renewalDueAt(meta, renewBeforeMs).toISOString() };
}
