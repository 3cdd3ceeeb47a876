// Real ACME round trips against Pebble (Debian package `pebble`). In CI a missing Pebble fails.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { type Pebble, requirePebble, startPebble } from "../../../test/support/pebble.ts";
import { freePort } from "../../../test/support/ports.ts";
import { ACCOUNT_KEY_FILE } from "./acme-issuer.ts";
import { ChallengeMap } from "./challenge-map.ts";
import { CertificateManager } from "./manager.ts";

const runnable = requirePebble();

describe.skipIf(!runnable)("ACME against Pebble", () => {
  let pebble: Pebble;
  let challengeServer: ReturnType<typeof Bun.serve>;
  let dataDir: string;
  const challenges = new ChallengeMap();
  const validationRequests: string[] = [];
  let manager: CertificateManager;

  beforeAll(async () => {
    const httpPort = freePort();
    // Stands in for the proxy workers: answers HTTP-01 from the published map.
    challengeServer = Bun.serve({
      hostname: "127.0.0.1",
      port: httpPort,
      fetch(request) {
        const { pathname } = new URL(request.url);
        validationRequests.push(`${request.headers.get("host")}${pathname}`);
        const prefix = "/.well-known/acme-challenge/";
        const keyAuthorization = pathname.startsWith(prefix)
          ? challenges.get(pathname.slice(prefix.length))
          : undefined;
        return keyAuthorization
          ? new Response(keyAuthorization)
          : new Response("unknown token", { status: 404 });
      },
    });
    pebble = await startPebble({ httpPort });
    dataDir = mkdtempSync(join(tmpdir(), "pier-tls-acme-"));
    manager = new CertificateManager({
      dataDir,
      challenges,
      acme: {
        directoryUrl: pebble.directoryUrl,
        caPem: pebble.caPem,
        email: "ops@pier.test",
        pollMinMs: 100,
        pollMaxMs: 500,
      },
    });
    await manager.start();
  }, 15_000);

  afterAll(async () => {
    await manager?.stop();
    challengeServer?.stop(true);
    await pebble?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test("obtains a certificate for app.pier.test signed by Pebble's intermediate", async () => {
    const pending = await manager.ensure("app.pier.test");
    expect(pending).toMatchObject({ issuer: "self-signed", status: "pending" });
    await manager.settled();

    const status = manager.status("app.pier.test")!;
    expect(status).toMatchObject({ issuer: "acme", status: "issued", lastError: null });
    expect(
      validationRequests.some((r) => r.startsWith("app.pier.test") && r.includes("/acme-challenge/")),
    ).toBe(true);
    expect(challenges.snapshot().size).toBe(0);

    const served = manager.certificates().find((c) => c.serverName === "app.pier.test")!;
    const leaf = new X509Certificate(served.cert);
    expect(leaf.subjectAltName).toBe("DNS:app.pier.test");
    expect(leaf.serialNumber.toLowerCase()).toBe(status.serial);
    const intermediate = new X509Certificate(await pebble.intermediatePem());
    const root = new X509Certificate(await pebble.rootPem());
    expect(leaf.checkIssued(intermediate)).toBe(true);
    expect(leaf.verify(intermediate.publicKey)).toBe(true);
    expect(intermediate.verify(root.publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(createPrivateKey(served.key))).toBe(true);

    const onDisk = readFileSync(join(dataDir, "certs", "app.pier.test", "cert.pem"), "utf8");
    expect(onDisk).toBe(served.cert);
    const meta = JSON.parse(readFileSync(join(dataDir, "certs", "app.pier.test", "meta.json"), "utf8"));
    expect(meta).toMatchObject({ issuer: "acme", status: "issued", host: "app.pier.test" });
  }, 15_000);

  test("a TLS client trusting only Pebble's root accepts the chain Bun.serve presents", async () => {
    const served = manager.certificates().find((c) => c.serverName === "app.pier.test")!;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: served.cert, key: served.key, serverName: "app.pier.test" },
      fetch: () => new Response("ok"),
    });
    try {
      const rootPem = await pebble.rootPem();
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect(
          { host: "127.0.0.1", port: server.port, servername: "app.pier.test", ca: rootPem },
          () => {
            resolve(socket.authorized);
            socket.end();
          },
        );
        socket.on("error", reject);
      });
      expect(authorized).toBe(true);
    } finally {
      server.stop(true);
    }
  }, 10_000);

  test("forced renewal yields a new serial and reuses the account key", async () => {
    const accountKeyPath = join(dataDir, ACCOUNT_KEY_FILE);
    const accountKey = readFileSync(accountKeyPath, "utf8");
    expect(statSync(accountKeyPath).mode & 0o777).toBe(0o600);
    const before = manager.status("app.pier.test")!;

    const renewed = await manager.forceRenew("app.pier.test");
    expect(renewed).toMatchObject({ issuer: "acme", status: "issued" });
    expect(renewed.serial).not.toBe(before.serial);
    expect(new X509Certificate(manager.certificates()[0]!.cert).serialNumber.toLowerCase()).toBe(
      renewed.serial,
    );
    expect(readFileSync(accountKeyPath, "utf8")).toBe(accountKey);
  }, 15_000);

  test("a challenge nobody answers ends in failed with Pebble's reason and a back-off", async () => {
    const silentDir = mkdtempSync(join(tmpdir(), "pier-tls-acme-silent-"));
    const silent = new CertificateManager({
      dataDir: silentDir,
      challenges: { set: async () => {}, remove: async () => {} },
      acme: { directoryUrl: pebble.directoryUrl, caPem: pebble.caPem, pollMinMs: 100, pollMaxMs: 500 },
    });
    try {
      await silent.ensure("broken.pier.test");
      await silent.settled();
      const status = silent.status("broken.pier.test")!;
      expect(status).toMatchObject({ status: "failed", issuer: "self-signed", failures: 1 });
      console.log(`failure reason: ${status.lastError}`);
      expect(status.lastError).toContain("broken.pier.test");
      expect(status.lastError).toMatch(/unauthorized|404|invalid/i);
      expect(Date.parse(status.nextAttemptAt!)).toBeGreaterThan(Date.now());
      // The self-signed placeholder is still what the proxy serves.
      expect(silent.certificates().map((c) => c.serverName)).toEqual(["broken.pier.test"]);
    } finally {
      await silent.stop();
      rmSync(silentDir, { recursive: true, force: true });
    }
  }, 15_000);
});
