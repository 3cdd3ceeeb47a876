import { boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const notifyChannels = pgTable("notify_channels", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  kind: text("kind").notNull(),
  configSealed: text("config_sealed").notNull(),
  events: jsonb("events").$type<string[]>().notNull().default([]),
  enabled: boolean("enabled").notNull().default(true),
  createdAt: createdAt(),
});

export const notifyDeliveries = pgTable(
  "notify_deliveries",
  {
    id: text("id").primaryKey(),
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
