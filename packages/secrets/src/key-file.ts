import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Reads the data dir's key, creating it (0600) on first start. Losing this file loses every secret. */
export function loadOrCreateKey(path: string): Uint8Array<ArrayBuffer> {
  if (existsSync(path)) {
    const key = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
    if (key.byteLength !== 32) {
      throw new Error(
        `${path} is not a valid pier secret key (expected 32 base64 bytes). Restore it from a backup.`,
      );
    }
    return key;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = crypto.getRandomValues(new Uint8Array(32));
  writeFileSync(path, `${Buffer.from(key).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return key;
}
