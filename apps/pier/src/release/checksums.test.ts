import { describe, expect, test } from "bun:test";
import { checkDigest, formatChecksums, parseChecksums, sha256Hex } from "./checksums.ts";
import { ReleaseFormatError, ReleaseVerificationError } from "./errors.ts";

const a = sha256Hex("a");
const b = sha256Hex("b");

describe("SHA256SUMS", () => {
  test("is written sorted in sha256sum's format and read back", () => {
    const text = formatChecksums([
      { name: "pier-0.1.0-linux-x64.tar.xz", sha256: b },
      { name: "manifest.json", sha256: a },
    ]);
    expect(text).toBe(`${a}  manifest.json\n${b}  pier-0.1.0-linux-x64.tar.xz\n`);
    expect(parseChecksums(text)).toEqual(
      new Map([
        ["manifest.json", a],
        ["pier-0.1.0-linux-x64.tar.xz", b],
      ]),
    );
  });

  test("accepts sha256sum's binary marker and refuses anything loose", () => {
    expect(parseChecksums(`${a} *x.tar.gz\n`).get("x.tar.gz")).toBe(a);
    expect(() => parseChecksums("")).toThrow(ReleaseFormatError);
    expect(() => parseChecksums(`${a}  ../etc/passwd\n`)).toThrow(/line 1/);
    expect(() => parseChecksums(`${a.toUpperCase()}  x\n`)).toThrow(ReleaseFormatError);
    expect(() => parseChecksums(`${a}  x\n${b}  x\n`)).toThrow(/twice/);
    expect(() => formatChecksums([{ name: "a b", sha256: a }])).toThrow(ReleaseFormatError);
  });

  test("checkDigest passes the listed file and names what to do otherwise", () => {
    const sums = new Map([["x.tar.xz", sha256Hex("content")]]);
    checkDigest(sums, "x.tar.xz", new TextEncoder().encode("content"));
    expect(() => checkDigest(sums, "x.tar.xz", new TextEncoder().encode("other"))).toThrow(
      /corrupt or was altered/,
    );
    expect(() => checkDigest(sums, "y.tar.xz", new Uint8Array())).toThrow(ReleaseVerificationError);
  });
});
