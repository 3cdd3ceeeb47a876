import type { Database } from "@pier/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

export const siteSettingsSchema = z.strictObject({
  /** Send nothing from browsers that set Do-Not-Track. */
  respectDnt: z.boolean(),
  /** Ask the proxy to add the tracker tag to the app's HTML responses. */
  autoInject: z.boolean(),
});
export type SiteSettings = z.infer<typeof siteSettingsSchema>;
export const defaultSiteSettings: SiteSettings = { respectDnt: false, autoInject: false };

/**
 * Settings are read on every /_pier/script.js request, so they are cached in memory and written
 * through; the control-plane database is the source of truth across restarts.
 */
export class SiteSettingsStore {
  private readonly cache = new Map<string, SiteSettings>();
  private readonly table: typeof sqliteSchema.analyticsSettings;

  private constructor(private readonly database: Database) {
    // Same columns and JS types on both dialects (schema-parity.test.ts), as packages/db does it.
    this.table = (database.dialect === "postgres"
      ? pgSchema.analyticsSettings
      : sqliteSchema.analyticsSettings) as unknown as typeof sqliteSchema.analyticsSettings;
  }

  static async load(database: Database): Promise<SiteSettingsStore> {
    const store = new SiteSettingsStore(database);
    for (const row of await database.db.select().from(store.table)) {
      store.cache.set(row.site, { respectDnt: row.respectDnt, autoInject: row.autoInject });
    }
    return store;
  }

  get(site: string): SiteSettings {
    return this.cache.get(site) ?? defaultSiteSettings;
  }

  /** Sites whose HTML the proxy should inject the tracker into. */
  autoInjectSites(): string[] {
    return [...this.cache].filter(([, s]) => s.autoInject).map(([site]) => site);
  }

  async set(site: string, settings: SiteSettings): Promise<SiteSettings> {
    const row = { site, ...settings, updatedAt: new Date() };
    await this.database.db
      .insert(this.table)
      .values(row)
      .onConflictDoUpdate({ target: this.table.site, set: { ...settings, updatedAt: row.updatedAt } });
    this.cache.set(site, settings);
    return settings;
  }

  async remove(site: string): Promise<void> {
    await this.database.db.delete(this.table).where(eq(this.table.site, site));
    this.cache.delete(site);
  }
}
