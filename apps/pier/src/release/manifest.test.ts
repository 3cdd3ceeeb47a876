import { describe, expect, test } from "bun:test";
import { sha256Hex } from "./checksums.ts";
import { parseReleaseManifest } from "./manifest.ts";
import { archiveName, targetOf } from "./targets.ts";

const digest = sha256Hex("x");
const manifest = {
  version: "0.1.0",
  createdAt: "2026-05-01T10:00:00.000Z",
  publicKey: "RW…",
  targets: [
    {
      name: "linux-arm64",
      archive: "pier-0.1.0-linux-arm64.tar.xz",
      size: 43_000_000,
      sha256: digest,
      binarySize: 126_000_000,
      gzip: { archive: "pier-0.1.0-linux-arm64.tar.gz", size: 60_000_000, sha256: digest },
    },
  ],
};

describe("release manifest", () => {
  test("a valid manifest parses", () => {
    expect(parseReleaseManifest(JSON.stringify(manifest)).targets[0]!.name).toBe("linux-arm64");
  });

  test("what is wrong is named by its path", () => {
    expect(() => parseReleaseManifest("{")).toThrow(/not JSON/);
    expect(() => parseReleaseManifest(JSON.stringify({ ...manifest, version: "latest" }))).toThrow(/version/);
    const badTarget = { ...manifest, targets: [{ ...manifest.targets[0], name: "linux-armv7" }] };
    expect(() => parseReleaseManifest(JSON.stringify(badTarget))).toThrow(/targets\.0\.name/);
    const badFile = { ...manifest, targets: [{ ...manifest.targets[0], archive: "../x" }] };
    expect(() => parseReleaseManifest(JSON.stringify(badFile))).toThrow(/targets\.0\.archive/);
  });

  test("archive names and the running target", () => {
    expect(archiveName("1.2.3", "darwin-arm64", "tar.xz")).toBe("pier-1.2.3-darwin-arm64.tar.xz");
    expect(targetOf("linux", "x64")).toBe("linux-x64");
    expect(targetOf("darwin", "arm64")).toBe("darwin-arm64");
    expect(targetOf("linux", "arm")).toBeUndefined();
    expect(targetOf("win32", "x64")).toBeUndefined();
  });
});
