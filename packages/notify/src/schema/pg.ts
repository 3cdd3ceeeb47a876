import { pgColumns } from "@pier/db";
import { index, integer, pgTable, text } from "drizzle-orm/pg-core";

const { boolean, createdAt, id, json } = pgColumns;

export const notifyChannels = pgTable("notify_channels", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind").notNull(),
  configSealed: text("config_sealed").notNull(),
  events: json<string[]>("events").notNull().default([]),
  enabled: boolean("enabled").notNull().default(true),
  createdAt: createdAt(),
});

export const notifyDeliveries = pgTable(
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
