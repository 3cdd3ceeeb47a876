import { describe, expect, test } from "bun:test";
import { formatChecksums, sha256Hex } from "./checksums.ts";
import { encodePublicKey, signMinisign } from "./minisign.ts";
import { generateReleaseKey } from "./release-key.ts";
import { releaseTrustedComment, verifyChecksums } from "./verify-release.ts";

async function release(version: string) {
  const key = await generateReleaseKey();
  const sums = new TextEncoder().encode(
    formatChecksums([{ name: `pier-${version}-linux-x64.tar.xz`, sha256: sha256Hex("bin") }]),
  );
  const signature = await signMinisign({
    privateKey: key.privateKey,
    keyId: key.publicKey.keyId,
    message: sums,
    trustedComment: releaseTrustedComment(version, new Date("2026-05-01T00:00:00Z")),
    untrustedComment: "pier release",
  });
  return { publicKey: encodePublicKey(key.publicKey), sums, signature };
}

describe("verifyChecksums", () => {
  test("returns the digests of a release signed for that version", async () => {
    const r = await release("0.2.0");
    const sums = await verifyChecksums({ ...r, version: "0.2.0" });
    expect(sums.get("pier-0.2.0-linux-x64.tar.xz")).toBe(sha256Hex("bin"));
  });

  test("refuses SHA256SUMS of another version, however well signed", async () => {
    const r = await release("0.1.0");
    await expect(verifyChecksums({ ...r, version: "0.2.0" })).rejects.toThrow(
      /version 0\.1\.0, not SHA256SUMS of 0\.2\.0/,
    );
  });

  test("refuses a release signed with another key", async () => {
    const r = await release("0.2.0");
    const other = await release("0.2.0");
    await expect(verifyChecksums({ ...r, publicKey: other.publicKey, version: "0.2.0" })).rejects.toThrow(
      /not with pier's release key/,
    );
  });
});
