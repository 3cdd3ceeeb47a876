import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeployLogs } from "./deploy-log.ts";

test("a log file that stops taking lines does not throw into the deploy; followers still get them", () => {
  const dir = mkdtempSync(join(tmpdir(), "pier-deploy-log-"));
  const failures: string[] = [];
  const logs = new DeployLogs(dir, (id, error) =>
    failures.push(`${id}: ${(error as NodeJS.ErrnoException).code}`),
  );
  const log = logs.open("dep_1");
  const seen: string[] = [];
  log.follow({ line: (line) => seen.push(line), end: () => {} });
  log.line("Building");
  expect(readFileSync(log.path, "utf8")).toBe("Building\n");
  // A replica still draining after its deploy, when the data dir is gone (or the disk is full).
  rmSync(dir, { recursive: true, force: true });
  expect(() => log.line("Retired 1 previous replica\nDone")).not.toThrow();
  expect(seen).toEqual(["Building", "Retired 1 previous replica", "Done"]);
  expect(failures).toEqual(["dep_1: ENOENT"]);
});
