import { expect, test } from "bun:test";
import { backupWrittenLine } from "./backup-create.ts";

test("backup create reports small archives in KB, not 0.0 MB, with the same fields in every form", () => {
  expect(
    backupWrittenLine({
      location: "/b/pier-backup.tar.gz",
      bytes: 45_000,
      files: 50,
      uncompressedBytes: 600_000,
      ms: 120,
      encrypted: false,
    }),
  ).toBe("Backup written to /b/pier-backup.tar.gz (44 KB, 50 files, 586 KB before compression, 0.1 s).");
  expect(
    backupWrittenLine({ location: "x on the server", bytes: 900, files: 3, ms: 2500, encrypted: true }),
  ).toBe("Backup written to x on the server (900 B, 3 files, 2.5 s, encrypted).");
});
