import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { ReleaseFormatError } from "./errors.ts";
import { signMinisign, verifyMinisign } from "./minisign.ts";
import {
  exportReleaseKeyPem,
  generateReleaseKey,
  importReleaseKey,
  publicKeySpkiBase64,
} from "./release-key.ts";

const hasOpenssl = requireService(
  "openssl",
  Bun.which("openssl") ? null : "openssl is not on PATH",
  "Install it (Debian: apt-get install openssl).",
);

describe("release keys", () => {
  test("a generated key survives PEM export and import with the same public half and key id", async () => {
    const key = await generateReleaseKey();
    const pem = await exportReleaseKeyPem(key);
    expect(pem).toStartWith("-----BEGIN PRIVATE KEY-----\n");
    const again = await importReleaseKey(pem);
    expect(again.publicKey).toEqual(key.publicKey);
    const message = new TextEncoder().encode("x");
    const signature = await signMinisign({
      privateKey: again.privateKey,
      keyId: again.publicKey.keyId,
      message,
      trustedComment: "t",
      untrustedComment: "u",
    });
    expect(await verifyMinisign(key.publicKey, message, signature)).toBe("t");
  });

  test("the SPKI form is the RFC 8410 encoding of the raw key", async () => {
    const key = await generateReleaseKey();
    const der = Buffer.from(publicKeySpkiBase64(key.publicKey), "base64");
    expect(der.length).toBe(44);
    expect(der.subarray(0, 12).toString("hex")).toBe("302a300506032b6570032100");
    expect(new Uint8Array(der.subarray(12))).toEqual(key.publicKey.key);
  });

  test.if(hasOpenssl)("reads a key made by openssl genpkey", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "pier-key-")), "release.pem");
    expect(Bun.spawnSync(["openssl", "genpkey", "-algorithm", "ed25519", "-out", path]).exitCode).toBe(0);
    const key = await importReleaseKey(await Bun.file(path).text());
    const spki = Bun.spawnSync(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"]).stdout;
    expect(Buffer.from(spki).toString("base64")).toBe(publicKeySpkiBase64(key.publicKey));
  });

  test("anything but an Ed25519 PKCS#8 PEM is refused with how to make one", async () => {
    await expect(importReleaseKey("hello")).rejects.toThrow(/openssl genpkey -algorithm ed25519/);
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
    ])) as CryptoKeyPair;
    const der = Buffer.from(await crypto.subtle.exportKey("pkcs8", pair.privateKey)).toString("base64");
    await expect(
      importReleaseKey(`-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----\n`),
    ).rejects.toBeInstanceOf(ReleaseFormatError);
  });
});
