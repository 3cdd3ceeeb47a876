import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { ReleaseFormatError, ReleaseVerificationError } from "./errors.ts";
import {
  encodePublicKey,
  keyIdHex,
  parsePublicKey,
  parseSignature,
  publicKeyFile,
  signMinisign,
  verifyMinisign,
} from "./minisign.ts";
import { generateReleaseKey } from "./release-key.ts";

const message = new TextEncoder().encode("0123  pier-0.1.0-linux-x64.tar.xz\n");

async function signed(trustedComment = "timestamp:1\tfile:SHA256SUMS\tversion:0.1.0") {
  const key = await generateReleaseKey();
  const signature = await signMinisign({
    privateKey: key.privateKey,
    keyId: key.publicKey.keyId,
    message,
    trustedComment,
    untrustedComment: "signature from the pier release key",
  });
  return { key, signature };
}

describe("minisign format", () => {
  test("a signature verifies with its key and returns the trusted comment", async () => {
    const { key, signature } = await signed();
    expect(signature.split("\n")).toHaveLength(5);
    expect(await verifyMinisign(key.publicKey, message, signature)).toBe(
      "timestamp:1\tfile:SHA256SUMS\tversion:0.1.0",
    );
  });

  test("public keys round-trip in the one-line and the file form", async () => {
    const { key } = await generateReleaseKey().then((k) => ({ key: k }));
    const line = encodePublicKey(key.publicKey);
    expect(line).toStartWith("RW");
    expect(line).toHaveLength(56);
    expect(parsePublicKey(line)).toEqual(key.publicKey);
    const file = publicKeyFile(key.publicKey);
    expect(file).toContain(`minisign public key ${keyIdHex(key.publicKey.keyId)}`);
    expect(parsePublicKey(file)).toEqual(key.publicKey);
  });

  test("a changed file, another key or an edited trusted comment is refused", async () => {
    const { key, signature } = await signed();
    const altered = new TextEncoder().encode("0124  pier-0.1.0-linux-x64.tar.xz\n");
    await expect(verifyMinisign(key.publicKey, altered, signature)).rejects.toThrow(
      /does not match the file/,
    );

    const other = await generateReleaseKey();
    await expect(verifyMinisign(other.publicKey, message, signature)).rejects.toThrow(/made with key/);
    // Same key id, other key: the id is only a hint, the signature decides.
    await expect(
      verifyMinisign({ keyId: key.publicKey.keyId, key: other.publicKey.key }, message, signature),
    ).rejects.toBeInstanceOf(ReleaseVerificationError);

    const edited = signature.replace("version:0.1.0", "version:9.9.9");
    await expect(verifyMinisign(key.publicKey, message, edited)).rejects.toThrow(
      /trusted comment was altered/,
    );
  });

  test("malformed keys and signatures are format errors, not crashes", async () => {
    expect(() => parsePublicKey("not a key")).toThrow(ReleaseFormatError);
    expect(() => parsePublicKey("RWQ")).toThrow(ReleaseFormatError);
    expect(() => parseSignature("untrusted comment: x\nAAAA\n")).toThrow(ReleaseFormatError);
    const { signature } = await signed();
    const lines = signature.split("\n");
    lines[1] = lines[1]!.slice(4);
    expect(() => parseSignature(lines.join("\n"))).toThrow(ReleaseFormatError);
  });

  test("comments must stay on one line", async () => {
    await expect(signed("a\nb")).rejects.toThrow(/one line/);
  });
});

// The point of the format: other tools verify what pier signs, and pier verifies what they sign.
const minisign = Bun.which("minisign");
const hasMinisign = requireService(
  "minisign",
  minisign ? null : "minisign is not on PATH",
  "Install it (Debian: apt-get install minisign).",
);

describe.skipIf(!hasMinisign)("compatibility with minisign", () => {
  test("minisign -V accepts pier's signature and shows the trusted comment", async () => {
    const { key, signature } = await signed();
    const dir = mkdtempSync(join(tmpdir(), "pier-minisign-"));
    writeFileSync(join(dir, "SHA256SUMS"), message);
    writeFileSync(join(dir, "SHA256SUMS.minisig"), signature);
    const run = Bun.spawnSync([
      minisign!,
      "-V",
      "-P",
      encodePublicKey(key.publicKey),
      "-m",
      join(dir, "SHA256SUMS"),
      "-x",
      join(dir, "SHA256SUMS.minisig"),
    ]);
    expect(run.stderr.toString()).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toContain("version:0.1.0");

    writeFileSync(join(dir, "SHA256SUMS"), "tampered\n");
    const tampered = Bun.spawnSync([
      minisign!,
      "-V",
      "-P",
      encodePublicKey(key.publicKey),
      "-m",
      join(dir, "SHA256SUMS"),
    ]);
    expect(tampered.exitCode).not.toBe(0);
  });

  test("pier verifies a legacy signature made by minisign", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pier-minisign-"));
    const keygen = Bun.spawnSync([minisign!, "-G", "-W", "-p", join(dir, "k.pub"), "-s", join(dir, "k.key")]);
    expect(keygen.exitCode).toBe(0);
    writeFileSync(join(dir, "file"), message);
    const sign = Bun.spawnSync([
      minisign!,
      "-S",
      "-l",
      "-s",
      join(dir, "k.key"),
      "-m",
      join(dir, "file"),
      "-t",
      "made by minisign",
    ]);
    expect(sign.exitCode).toBe(0);
    const publicKey = parsePublicKey(await Bun.file(join(dir, "k.pub")).text());
    const signature = await Bun.file(join(dir, "file.minisig")).text();
    expect(await verifyMinisign(publicKey, message, signature)).toBe("made by minisign");
  });
});
