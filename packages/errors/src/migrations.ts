import type { MigrationSet } from "@pier/db";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";

/** Applied by createErrorsService; exported so `pier serve` can migrate before loading the service. */
export const errorsMigrations: MigrationSet = { sqlite: sqliteMigrations, pg: pgMigrations };
