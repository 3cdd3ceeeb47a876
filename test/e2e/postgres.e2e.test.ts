import { expect, test } from "bun:test";
import { SQL } from "bun";
import { freshPostgresDatabase } from "../support/database-backends.ts";
import { runCli, startPier } from "../support/pier-process.ts";

// The same binary with PIER_DATABASE_URL: the control plane on a real PostgreSQL instead of SQLite.
const database = freshPostgresDatabase("pier_e2e");

test.if(database !== null)(
  "pier serve on PostgreSQL: migrations, admin token, apps through the CLI, data kept across restarts",
  async () => {
    const url = await database!.create();
    const token = `pier_pg${crypto.randomUUID().replaceAll("-", "")}`;
    const env = { PIER_DATABASE_URL: url, PIER_ADMIN_TOKEN: token };
    let pier = await startPier({ env, args: ["--proxy-workers", "0"] });
    const cli = { PIER_URL: pier.url, PIER_TOKEN: token };
    expect((await runCli(["apps", "create", "on-postgres"], cli)).code).toBe(0);
    expect((await runCli(["apps", "create", "on-postgres"], cli)).stderr).toContain("already exists");
    expect(await pier.stop()).toBe(0);
    expect(pier.logs()).toContain('"dialect":"postgres"');

    pier = await startPier({ dataDir: pier.dataDir, env, args: ["--proxy-workers", "0"] });
    const list = await runCli(["apps", "list", "--json"], { PIER_URL: pier.url, PIER_TOKEN: token });
    expect(JSON.parse(list.stdout).map((a: { name: string }) => a.name)).toEqual(["on-postgres"]);
    expect(await pier.stop()).toBe(0);

    const db = new SQL(url);
    const [row] = await db`SELECT count(*)::int AS n FROM pier_migrations`;
    await db.close();
    expect(row.n).toBeGreaterThanOrEqual(1);
  },
  60_000,
);
