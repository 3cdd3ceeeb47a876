import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Per-site tracker options, in the control-plane database (SQLite or PostgreSQL). */
export const analyticsSettings = sqliteTable("analytics_settings", {
  /** App id, or the host for routes without an app. */
  site: text("site").primaryKey(),
  respectDnt: integer("respect_dnt", { mode: "boolean" }).notNull(),
  autoInject: integer("auto_inject", { mode: "boolean" }).notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});
