import { pgColumns } from "@pier/db";
import { pgTable, text } from "drizzle-orm/pg-core";

// Mirror of sqlite.ts, column for column (schema-parity.test.ts).
const { boolean, timestamp } = pgColumns;

export const analyticsSettings = pgTable("analytics_settings", {
  site: text("site").primaryKey(),
  respectDnt: boolean("respect_dnt").notNull(),
  autoInject: boolean("auto_inject").notNull(),
  /** JSON array of paths (site-settings.ts, excludedPaths). */
  excludedPaths: text("excluded_paths").notNull().default("[]"),
  updatedAt: timestamp("updated_at").notNull(),
});
