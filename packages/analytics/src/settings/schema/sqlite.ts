import { sqliteColumns } from "@pier/db";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";

const { boolean, timestamp } = sqliteColumns;

/** Per-site tracker options, in the control-plane database (SQLite or PostgreSQL). */
export const analyticsSettings = sqliteTable("analytics_settings", {
  /** App id, or the host for routes without an app. */
  site: text("site").primaryKey(),
  respectDnt: boolean("respect_dnt").notNull(),
  autoInject: boolean("auto_inject").notNull(),
  /** JSON array of paths (site-settings.ts, excludedPaths). */
  excludedPaths: text("excluded_paths").notNull().default("[]"),
  updatedAt: timestamp("updated_at").notNull(),
});
