import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSecretBox, DecryptionError } from "./cipher.ts";
import { loadOrCreateKey } from "./key-file.ts";

describe("secret box", () => {
  test("round-trips and never repeats a ciphertext", async () => {
    const box = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
    const a = await box.encrypt("DATABASE_PASSWORD=hunter2");
    const b = await box.encrypt("DATABASE_PASSWORD=hunter2");
    expect(a).not.toBe(b);
    expect(a).not.toContain("hunter2");
    expect(await box.decrypt(a)).toBe("DATABASE_PASSWORD=hunter2");
  });

  test("a different key or a tampered value fails loudly", async () => {
    const box = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
    const other = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
    const sealed = await box.encrypt("x");
    await expect(other.decrypt(sealed)).rejects.toBeInstanceOf(DecryptionError);
    // Flip one bit of the ciphertext+tag bytes: rewriting base64 characters is not always a change
    // (the last character carries unused bits), which made this test pass a tampered check by luck.
    const [version, iv, body] = sealed.split(".");
    const bytes = Buffer.from(body!, "base64url");
    bytes[0]! ^= 1;
    const tampered = `${version}.${iv}.${bytes.toString("base64url")}`;
    await expect(box.decrypt(tampered)).rejects.toBeInstanceOf(DecryptionError);
    await expect(box.decrypt("garbage")).rejects.toBeInstanceOf(DecryptionError);
  });
});

describe("key file", () => {
  test("is created once with mode 0600 and then reused", () => {
    const path = join(mkdtempSync(join(tmpdir(), "pier-key-")), "nested", "secret.key");
    const first = loadOrCreateKey(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const second = loadOrCreateKey(path);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(readFileSync(path, "utf8").trim()).toHaveLength(44);
  });
});
