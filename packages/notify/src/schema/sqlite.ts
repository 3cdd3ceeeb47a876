import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Epoch milliseconds here, timestamptz in pg.ts; both read back as Date.
const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`);

/** Destinations. The whole config is sealed: webhook secrets and SMTP passwords live in it. */
export const notifyChannels = sqliteTable("notify_channels", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  kind: text("kind").notNull(),
  configSealed: text("config_sealed").notNull(),
  events: text("events", { mode: "json" }).$type<string[]>().notNull().default([]),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  createdAt: createdAt(),
});

/** The last outcomes per channel, for "why did I get nothing?"; trimmed by age. */
export const notifyDeliveries = sqliteTable(
  "notify_deliveries",
  {
    id: text("id").primaryKey(),
    channelId: text("channel_id")
      .notNull()
      .references(() => notifyChannels.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    ok: integer("ok", { mode: "boolean" }).notNull(),
    attempts: integer("attempts").notNull(),
    status: integer("status"),
    error: text("error"),
    createdAt: createdAt(),
  },
  (t) => [index("notify_deliveries_channel_idx").on(t.channelId, t.createdAt)],
);
