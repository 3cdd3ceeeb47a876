import type { Database } from "@pier/db";
import { eq } from "drizzle-orm";
import { z } from "zod";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";
import { defaultSiteSettings, excludedPathSchema, type SiteSettings } from "./site-settings.ts";

export { defaultSiteSettings, type SiteSettings } from "./site-settings.ts";

const storedPaths = z.array(excludedPathSchema);
/** The column holds JSON written by `set`; anything else reads as no excluded path. */
function parseExcludedPaths(json: string): string[] {
  try {
    const parsed = storedPaths.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : [];
  } catch {
    return [];
  }
}

/**
 * Settings are read on every /_pier/script.js request, so they are cached in memory and written
 * through; the control-plane database is the source of truth across restarts.
 */
export class SiteSettingsStore {
  private readonly cache = new Map<string, SiteSettings>();
  private readonly table: typeof sqliteSchema.analyticsSettings;
  private readonly autoInjectListeners: (() => void)[] = [];

  private constructor(private readonly database: Database) {
    this.table = tableFor(database);
  }

  /**
   * Sites with `autoInject` on, read from the database: route providers in other modules call this
   * when they build proxy routes (`injectTracker`). Empty until the analytics migrations ran.
   */
  static async readAutoInjectSites(database: Database): Promise<Set<string>> {
    const table = tableFor(database);
    try {
      const rows = await database.db
        .select({ site: table.site })
        .from(table)
        .where(eq(table.autoInject, true));
      return new Set(rows.map((r) => r.site));
    } catch {
      return new Set();
    }
  }

  /** Called after a site's `autoInject` changed, so the proxy routes can be published again. */
  onAutoInjectChange(listener: () => void): void {
    this.autoInjectListeners.push(listener);
  }

  private autoInjectChanged(before: SiteSettings, after: SiteSettings): void {
    if (before.autoInject === after.autoInject) return;
    for (const listener of this.autoInjectListeners) listener();
  }

  static async load(database: Database): Promise<SiteSettingsStore> {
    const store = new SiteSettingsStore(database);
    for (const row of await database.db.select().from(store.table)) {
      store.cache.set(row.site, {
        respectDnt: row.respectDnt,
        autoInject: row.autoInject,
        excludedPaths: parseExcludedPaths(row.excludedPaths),
      });
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
    const columns = {
      respectDnt: settings.respectDnt,
      autoInject: settings.autoInject,
      excludedPaths: JSON.stringify(settings.excludedPaths),
      updatedAt: new Date(),
    };
    await this.database.db
      .insert(this.table)
      .values({ site, ...columns })
      .onConflictDoUpdate({ target: this.table.site, set: columns });
    const before = this.get(site);
    this.cache.set(site, settings);
    this.autoInjectChanged(before, settings);
    return settings;
  }

  async remove(site: string): Promise<void> {
    await this.database.db.delete(this.table).where(eq(this.table.site, site));
    const before = this.get(site);
    this.cache.delete(site);
    this.autoInjectChanged(before, defaultSiteSettings);
  }
}

// Same columns and JS types on both dialects (schema-parity.test.ts), as packages/db does it.
function tableFor(database: Database): typeof sqliteSchema.analyticsSettings {
  return (database.dialect === "postgres"
    ? pgSchema.analyticsSettings
    : sqliteSchema.analyticsSettings) as unknown as typeof sqliteSchema.analyticsSettings;
}
