import { sqliteColumns } from "@pier/db";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Epoch milliseconds here, timestamptz in pg.ts; both read back as Date.
const { boolean, createdAt, id, json } = sqliteColumns;

/** Destinations. The whole config is sealed: webhook secrets and SMTP passwords live in it. */
export const notifyChannels = sqliteTable("notify_channels", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind").notNull(),
  configSealed: text("config_sealed").notNull(),
  events: json<string[]>("events").notNull().default([]),
  enabled: boolean("enabled").notNull().default(true),
  createdAt: createdAt(),
});

/** The last outcomes per channel, for "why did I get nothing?"; trimmed by age. */
export const notifyDeliveries = sqliteTable(
  "notify_deliveries",
  {
    id: id(),
    channelId: text("channel_id")
      .notNull()
      .references(() => notifyChannels.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    ok: boolean("ok").notNull(),
    attempts: integer("attempts").notNull(),
    status: integer("status"),
    error: text("error"),
    createdAt: createdAt(),
  },
  (t) => [index("notify_deliveries_channel_idx").on(t.channelId, t.createdAt)],
);
