import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { fromBase64 } from "./bytes.ts";
import { parseSignature, signMinisign } from "./minisign.ts";
import { generateReleaseKey, publicKeySpkiBase64 } from "./release-key.ts";
import { allowedSignersLine, signSsh, sshNamespace, sshSignerIdentity } from "./sshsig.ts";

// install.sh verifies with these tools, exactly as below: if they accept pier's signatures here,
// they accept them on the user's machine.
const message = new TextEncoder().encode("abc  pier-0.1.0-linux-arm64.tar.xz\n");

const openssl = Bun.which("openssl");
const hasOpenssl = requireService(
  "openssl",
  openssl ? null : "openssl is not on PATH",
  "Install it (Debian: apt-get install openssl).",
);
const sshKeygen = Bun.which("ssh-keygen");
const hasSshKeygen = requireService(
  "ssh-keygen",
  sshKeygen ? null : "ssh-keygen is not on PATH",
  "Install it (Debian: apt-get install openssh-client).",
);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "pier-sigtools-"));
}

describe.skipIf(!hasOpenssl)("openssl pkeyutl (install.sh's first verifier)", () => {
  test("verifies the raw Ed25519 signature inside the minisig and refuses a changed file", async () => {
    const key = await generateReleaseKey();
    const minisig = await signMinisign({
      privateKey: key.privateKey,
      keyId: key.publicKey.keyId,
      message,
      trustedComment: "t",
      untrustedComment: "u",
    });
    const dir = tempDir();
    const pem = `-----BEGIN PUBLIC KEY-----\n${publicKeySpkiBase64(key.publicKey)}\n-----END PUBLIC KEY-----\n`;
    writeFileSync(join(dir, "pub.pem"), pem);
    writeFileSync(join(dir, "sig.bin"), parseSignature(minisig).signature);
    writeFileSync(join(dir, "SHA256SUMS"), message);
    const verify = () =>
      Bun.spawnSync([
        openssl!,
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        join(dir, "pub.pem"),
        "-rawin",
        "-in",
        join(dir, "SHA256SUMS"),
        "-sigfile",
        join(dir, "sig.bin"),
      ]);
    const good = verify();
    expect(good.exitCode).toBe(0);
    expect(good.stdout.toString()).toContain("Signature Verified Successfully");
    writeFileSync(join(dir, "SHA256SUMS"), "changed\n");
    expect(verify().exitCode).not.toBe(0);
  });

  test("the second line of the minisig decodes with openssl base64 to Ed + key id + signature", async () => {
    const key = await generateReleaseKey();
    const minisig = await signMinisign({
      privateKey: key.privateKey,
      keyId: key.publicKey.keyId,
      message,
      trustedComment: "t",
      untrustedComment: "u",
    });
    const line = minisig.split("\n")[1]!;
    const decoded = Bun.spawnSync([openssl!, "base64", "-d", "-A"], { stdin: Buffer.from(line) });
    expect(new Uint8Array(decoded.stdout)).toEqual(fromBase64(line)!);
    expect(decoded.stdout.length).toBe(74);
  });
});

describe.skipIf(!hasSshKeygen)("ssh-keygen -Y verify (install.sh's second verifier)", () => {
  test("accepts pier's SSH signature from the allowed signer and refuses a changed file", async () => {
    const key = await generateReleaseKey();
    const dir = tempDir();
    writeFileSync(join(dir, "allowed_signers"), `${allowedSignersLine(key.publicKey)}\n`);
    writeFileSync(join(dir, "SHA256SUMS.sshsig"), await signSsh({ ...key, message }));
    const verify = (data: Uint8Array) =>
      Bun.spawnSync(
        [
          sshKeygen!,
          "-Y",
          "verify",
          "-f",
          join(dir, "allowed_signers"),
          "-I",
          sshSignerIdentity,
          "-n",
          sshNamespace,
          "-s",
          join(dir, "SHA256SUMS.sshsig"),
        ],
        { stdin: data },
      );
    const good = verify(message);
    expect(good.stdout.toString()).toContain("Good");
    expect(good.exitCode).toBe(0);
    expect(verify(new TextEncoder().encode("changed\n")).exitCode).not.toBe(0);

    const other = await generateReleaseKey();
    writeFileSync(join(dir, "allowed_signers"), `${allowedSignersLine(other.publicKey)}\n`);
    expect(verify(message).exitCode).not.toBe(0);
  });
});
