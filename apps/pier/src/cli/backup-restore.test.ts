import { expect, test } from "bun:test";
import { BackupDamagedError } from "@pier/backup";
import { verifyFailure } from "./backup-restore.ts";

test("backup verify of a damaged archive does not talk about restoring", () => {
  const damaged = new BackupDamagedError("pier.db does not match its checksum");
  expect(damaged.message).toContain("Nothing was restored");
  const message = (verifyFailure("bad.tar.gz", damaged) as Error).message;
  expect(message).toBe(
    "bad.tar.gz failed verification. The archive is damaged or was changed: pier.db does not match its checksum. Do not rely on it: use another archive, or make a new backup.",
  );
  const other = new Error("no such file");
  expect(verifyFailure("bad.tar.gz", other)).toBe(other);
});
