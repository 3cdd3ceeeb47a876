import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readCertificateFacts } from "./certificate-facts.ts";
import { ChallengeMap } from "./challenge-map.ts";
import { AcmeDisabledError, UnknownCertificateError, WildcardNeedsDns01Error } from "./errors.ts";
import type { CertificateIssuer, ChallengePublisher, IssuedCertificate } from "./issuer.ts";
import { CertificateManager, type TlsCertificate } from "./manager.ts";
import { SelfSignedIssuer } from "./self-signed.ts";

const DAY = 24 * 3600_000;

/** Stands in for a CA: publishes a token, then returns a 90-day certificate or fails on demand. */
class FakeCa implements CertificateIssuer {
  failWith: string | null = null;
  orders: string[] = [];
  tokensSeen: Array<[string, string | undefined]> = [];
  #signer = new SelfSignedIssuer();
  constructor(private clock: () => Date) {}

  async issue(host: string, challenges: ChallengePublisher): Promise<IssuedCertificate> {
    this.orders.push(host);
    await challenges.set(`token-${this.orders.length}`, "key-auth");
    this.tokensSeen.push([host, (challenges as ChallengeMap).get(`token-${this.orders.length}`)]);
    await challenges.remove(`token-${this.orders.length}`);
    if (this.failWith) throw new Error(this.failWith);
    // Valid for 90 days from now: the self-signed helper makes 1-year certificates from its "now".
    return this.#signer.issue(host, new Date(this.clock().getTime() - 275 * DAY));
  }
}

let dataDir: string;
let now: Date;
const clock = () => now;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), "pier-tls-manager-"));
  now = new Date();
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function acmeManager(ca: FakeCa, challenges = new ChallengeMap()) {
  return new CertificateManager({ dataDir, issuer: ca, challenges, clock });
}

describe("CertificateManager", () => {
  test("ensure serves self-signed at once, then swaps in the ACME certificate", async () => {
    const ca = new FakeCa(clock);
    const manager = acmeManager(ca);
    const updates: TlsCertificate[][] = [];
    manager.onChange((list) => updates.push(list));

    const first = await manager.ensure("App.Example.com");
    expect(first).toMatchObject({ host: "app.example.com", issuer: "self-signed", status: "pending" });
    expect(updates[0]?.map((c) => c.serverName)).toEqual(["app.example.com"]);

    await manager.settled();
    const status = manager.status("app.example.com")!;
    expect(status).toMatchObject({ issuer: "acme", status: "issued", lastError: null });
    expect(Date.parse(status.notAfter) - now.getTime()).toBeGreaterThan(89 * DAY);
    expect(Date.parse(status.renewAt)).toBe(Date.parse(status.notAfter) - 30 * DAY);
    expect(ca.tokensSeen).toEqual([["app.example.com", "key-auth"]]);
    expect((manager.challenges as ChallengeMap).snapshot().size).toBe(0);
    const latest = updates.at(-1)!;
    expect(readCertificateFacts(latest[0]!.cert).serial).toBe(status.serial);
  });

  test("failure records the reason, backs off, and renewDue retries only after the back-off", async () => {
    const ca = new FakeCa(clock);
    ca.failWith = "urn:ietf:params:acme:error:connection: refused";
    const manager = acmeManager(ca);
    await manager.ensure("app.example.com");
    await manager.settled();
    const failed = manager.status("app.example.com")!;
    expect(failed).toMatchObject({ status: "failed", issuer: "self-signed", failures: 1 });
    expect(failed.lastError).toContain("refused");
    expect(Date.parse(failed.nextAttemptAt!) - now.getTime()).toBe(60_000);
    // The placeholder is still served.
    expect(manager.certificates()).toHaveLength(1);

    expect(await manager.renewDue(new Date(now.getTime() + 30_000))).toEqual([]);
    expect(ca.orders).toHaveLength(1);

    ca.failWith = null;
    now = new Date(now.getTime() + 61_000);
    const acted = await manager.renewDue(now);
    expect(acted.map((s) => [s.host, s.status, s.issuer])).toEqual([["app.example.com", "issued", "acme"]]);
    expect(ca.orders).toHaveLength(2);
  });

  test("renewDue renews an ACME certificate 30 days before expiry, not before", async () => {
    const ca = new FakeCa(clock);
    const manager = acmeManager(ca);
    await manager.ensure("app.example.com");
    await manager.settled();
    const issued = manager.status("app.example.com")!;

    expect(await manager.renewDue(new Date(Date.parse(issued.renewAt) - 1000))).toEqual([]);
    now = new Date(Date.parse(issued.renewAt) + 1000);
    const [renewed] = await manager.renewDue(now);
    expect(renewed!.serial).not.toBe(issued.serial);
    expect(Date.parse(renewed!.notAfter)).toBeGreaterThan(Date.parse(issued.notAfter));
  });

  test("forceRenew ignores the window and the back-off; concurrent calls share one order", async () => {
    const ca = new FakeCa(clock);
    const manager = acmeManager(ca);
    await manager.ensure("app.example.com");
    await manager.settled();
    const before = manager.status("app.example.com")!.serial;
    const [a, b] = await Promise.all([
      manager.forceRenew("app.example.com"),
      manager.forceRenew("app.example.com"),
    ]);
    expect(a).toEqual(b);
    expect(a.serial).not.toBe(before);
    expect(ca.orders).toHaveLength(2);
    await expect(manager.forceRenew("nope.example.com")).rejects.toBeInstanceOf(UnknownCertificateError);
  });

  test("state survives a restart: certificates and status load from the data dir", async () => {
    const ca = new FakeCa(clock);
    const first = acmeManager(ca);
    await first.ensure("app.example.com");
    await first.ensure("static.example.com", { acme: false });
    await first.settled();

    const second = acmeManager(ca);
    const updates: TlsCertificate[][] = [];
    second.onChange((list) => updates.push(list));
    await second.start();
    await second.settled();
    await second.stop();
    expect(second.list().map((s) => [s.host, s.issuer, s.status])).toEqual([
      ["app.example.com", "acme", "issued"],
      ["static.example.com", "self-signed", "issued"],
    ]);
    expect(updates[0]!.map((c) => c.serverName)).toEqual(["app.example.com", "static.example.com"]);
    // Nothing was due, so no new order at start.
    expect(ca.orders).toEqual(["app.example.com"]);
  });

  test("wildcards: self-signed on request, DNS-01 error otherwise", async () => {
    const manager = acmeManager(new FakeCa(clock));
    await expect(manager.ensure("*.example.com")).rejects.toBeInstanceOf(WildcardNeedsDns01Error);
    const status = await manager.ensure("*.example.com", { acme: false });
    expect(status).toMatchObject({ host: "*.example.com", issuer: "self-signed", status: "issued" });
    expect(readCertificateFacts(manager.certificates()[0]!.cert).altNames).toEqual(["*.example.com"]);
  });

  test("without ACME: self-signed only, and asking for ACME explains how to enable it", async () => {
    const manager = new CertificateManager({ dataDir, clock });
    expect(manager.acmeEnabled).toBe(false);
    expect(await manager.ensure("app.example.com")).toMatchObject({
      issuer: "self-signed",
      status: "issued",
    });
    await expect(manager.ensure("b.example.com", { acme: true })).rejects.toBeInstanceOf(AcmeDisabledError);
    const before = manager.status("app.example.com")!.serial;
    expect((await manager.forceRenew("app.example.com")).serial).not.toBe(before);
  });

  test("remove drops the certificate from disk and from the proxy list", async () => {
    const manager = new CertificateManager({ dataDir, clock });
    await manager.ensure("a.example.com");
    await manager.ensure("b.example.com");
    let latest: TlsCertificate[] = [];
    manager.onChange((list) => {
      latest = list;
    });
    expect(await manager.remove("a.example.com")).toBe(true);
    expect(latest.map((c) => c.serverName)).toEqual(["b.example.com"]);
    const reloaded = new CertificateManager({ dataDir, clock });
    await reloaded.start();
    await reloaded.stop();
    expect(reloaded.list().map((s) => s.host)).toEqual(["b.example.com"]);
  });

  test("stop does not wait forever for an order stuck on an unreachable CA", async () => {
    const stuck: CertificateIssuer = { issue: () => new Promise(() => {}) };
    const manager = new CertificateManager({ dataDir, issuer: stuck, clock });
    await manager.start();
    await manager.ensure("app.example.com");
    const started = performance.now();
    await manager.stop({ waitMs: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(manager.status("app.example.com")!.status).toBe("pending");
  });
});
