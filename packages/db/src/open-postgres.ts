import { SQL } from "bun";
import { drizzle as drizzlePostgres } from "drizzle-orm/bun-sql";
import { migratePostgres } from "./migrate.ts";
import { pgMigrations } from "./migrations.gen.ts";
import type { Database, Db, Tables } from "./open.ts";
import * as pgSchema from "./schema/pg.ts";

export async function openPostgres(url: string): Promise<Database> {
  const client = new SQL(url, { max: 10 });
  const appliedMigrations = await migratePostgres(client, pgMigrations);
  const redacted = new URL(url);
  if (redacted.password) redacted.password = "***";
  return {
    dialect: "postgres",
    db: drizzlePostgres({ client, schema: pgSchema }) as unknown as Db,
    t: pgSchema as unknown as Tables,
    location: redacted.toString(),
    appliedMigrations,
    migrate: (set) => migratePostgres(client, set.pg),
    close: () => client.close(),
  };
}
