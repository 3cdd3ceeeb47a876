import { type Logger, silentLogger } from "@pier/core";
import { createStores, openDatabase } from "@pier/db";
import { createSecretBox } from "@pier/secrets";
import type Docker from "dockerode";
import { BackupStorage } from "../src/backup/storage.ts";
import { ServiceBackups } from "../src/backups.ts";
import { ServicesContext } from "../src/context.ts";
import { ServiceLinks } from "../src/linking.ts";
import { servicesMigrations } from "../src/migrations.ts";
import { ServiceManager } from "../src/services.ts";
import { servicesSettingsFromEnv } from "../src/settings.ts";
import { createServicesStore } from "../src/store.ts";

/**
 * The services subsystem on a data dir of its own (SQLite, migrated; a fixed secret key), with its
 * parts, as `startServices` wires them. Without `docker` any Docker call throws.
 */
export async function servicesTestContext(
  dataDir: string,
  options: { docker?: Docker; logger?: Logger } = {},
) {
  const database = await openDatabase({ dataDir });
  await database.migrate(servicesMigrations);
  const settings = servicesSettingsFromEnv({});
  const stores = createStores(database);
  const ctx = new ServicesContext({
    store: createServicesStore(database),
    stores,
    secretBox: await createSecretBox(new Uint8Array(32)),
    docker: () => {
      if (!options.docker) throw new Error("no Docker in this test");
      return options.docker;
    },
    settings,
    dataDir,
    logger: options.logger ?? silentLogger,
    capabilities: {},
    storage: new BackupStorage(settings),
    healthyTimeoutMs: 60_000,
  });
  return {
    database,
    stores,
    store: ctx.store,
    ctx,
    manager: new ServiceManager(ctx),
    backups: new ServiceBackups(ctx),
    links: new ServiceLinks(ctx),
  };
}
