import type { Database } from "@pier/db";
import { and, asc, desc, eq, lt } from "drizzle-orm";
import { type Channel, type ChannelConfig, channelConfigSchema } from "./channels.ts";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

type Tables = typeof sqliteSchema;
export type DeliveryRow = Tables["notifyDeliveries"]["$inferSelect"];

/** Encrypts configs at rest; in pier this is the data dir's SecretBox. */
export interface Sealer {
  encrypt(plaintext: string): Promise<string>;
  decrypt(sealed: string): Promise<string>;
}

export interface NewChannel {
  id: string;
  name: string;
  events: string[];
  enabled: boolean;
  config: ChannelConfig;
}

export function createChannelStore(database: Database, sealer: Sealer) {
  // The pg tables share names and JS types with the SQLite ones (schema-parity.test.ts).
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const open = async (row: Tables["notifyChannels"]["$inferSelect"]): Promise<Channel> => ({
    id: row.id,
    name: row.name,
    enabled: row.enabled,
    events: row.events,
    config: channelConfigSchema.parse(JSON.parse(await sealer.decrypt(row.configSealed))),
  });

  return {
    async list(): Promise<Channel[]> {
      const rows = await db.select().from(t.notifyChannels).orderBy(asc(t.notifyChannels.name));
      return Promise.all(rows.map(open));
    },
    async find(idOrName: string): Promise<Channel | undefined> {
      const [byId] = await db.select().from(t.notifyChannels).where(eq(t.notifyChannels.id, idOrName));
      const row =
        byId ?? (await db.select().from(t.notifyChannels).where(eq(t.notifyChannels.name, idOrName)))[0];
      return row ? open(row) : undefined;
    },
    async create(channel: NewChannel): Promise<Channel> {
      await db.insert(t.notifyChannels).values({
        id: channel.id,
        name: channel.name,
        kind: channel.config.kind,
        events: channel.events,
        enabled: channel.enabled,
        configSealed: await sealer.encrypt(JSON.stringify(channel.config)),
      });
      return channel;
    },
    async update(channel: Channel): Promise<void> {
      await db
        .update(t.notifyChannels)
        .set({
          name: channel.name,
          kind: channel.config.kind,
          events: channel.events,
          enabled: channel.enabled,
          configSealed: await sealer.encrypt(JSON.stringify(channel.config)),
        })
        .where(eq(t.notifyChannels.id, channel.id));
    },
    async delete(id: string): Promise<boolean> {
      const rows = await db
        .delete(t.notifyChannels)
        .where(eq(t.notifyChannels.id, id))
        .returning({ id: t.notifyChannels.id });
      return rows.length > 0;
    },
    async recordDelivery(row: Omit<DeliveryRow, "createdAt"> & { createdAt?: Date }): Promise<void> {
      await db.insert(t.notifyDeliveries).values(row);
    },
    async deliveries(channelId: string, limit = 50): Promise<DeliveryRow[]> {
      return db
        .select()
        .from(t.notifyDeliveries)
        .where(eq(t.notifyDeliveries.channelId, channelId))
        .orderBy(desc(t.notifyDeliveries.createdAt))
        .limit(limit);
    },
    async pruneDeliveries(before: Date): Promise<void> {
      await db.delete(t.notifyDeliveries).where(and(lt(t.notifyDeliveries.createdAt, before)));
    },
  };
}

export type ChannelStore = ReturnType<typeof createChannelStore>;
