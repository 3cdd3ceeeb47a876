import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openRestoredSqlite } from "./restored-database.ts";

test("a restored database keeps no lease of the pier it was copied from; one without the table is left alone", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pier-restored-db-"));
  try {
    const file = new Database(join(dir, "pier.db"));
    file.run(
      "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT, expires_at INTEGER, acquired_at INTEGER)",
    );
    file.run("INSERT INTO leases VALUES ('pier.primary', 'host-a:4242:n1', 9999999999999, 0)");
    file.close();
    const restored = openRestoredSqlite(dir);
    await restored.dropLeases();
    await restored.close();
    const after = new Database(join(dir, "pier.db"));
    expect(after.query("SELECT count(*) AS n FROM leases").get()).toEqual({ n: 0 });
    after.run("DROP TABLE leases");
    after.close();
    const older = openRestoredSqlite(dir);
    await older.dropLeases();
    await older.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
