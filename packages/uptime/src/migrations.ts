import type { MigrationSet } from "@pier/db";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";

export const uptimeMigrations: MigrationSet = { sqlite: sqliteMigrations, pg: pgMigrations };
