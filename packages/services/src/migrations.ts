import type { MigrationSet } from "@pier/db";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";

export const servicesMigrations: MigrationSet = { sqlite: sqliteMigrations, pg: pgMigrations };
