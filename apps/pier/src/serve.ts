import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { createApi, seedAdminToken } from "@pier/api";
import { LoginRateLimiter } from "@pier/auth";
import type { ServeConfig } from "@pier/config";
import { createLogger, type Logger, pierVersion } from "@pier/core";
import { createStores, openDatabase } from "@pier/db";
import { createSecretBox, loadOrCreateKey } from "@pier/secrets";

export interface RunningPier {
  consoleUrl: string;
  stop(): Promise<void>;
}

export function createServeLogger(config: ServeConfig): Logger {
  return createLogger({
    level: config.logLevel,
    format: config.logFormat === "auto" ? undefined : config.logFormat,
  });
}

/** Wires the packages into one running control plane. Every step that can fail does so before listening. */
export async function startPier(config: ServeConfig, logger: Logger): Promise<RunningPier> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  // Created on first start so env vars and provider keys are encrypted from the first write on.
  const secretBox = await createSecretBox(loadOrCreateKey(join(config.dataDir, "secret.key")));
  void secretBox;

  const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  logger.info("database ready", {
    dialect: database.dialect,
    location: database.location,
    migrated: database.appliedMigrations,
  });
  const stores = createStores(database);

  if (config.adminToken) {
    const seeded = await seedAdminToken(stores, config.adminToken);
    if (seeded === "created") logger.info("admin API token created from PIER_ADMIN_TOKEN");
  }

  const api = createApi({
    stores,
    logger: logger.child({ component: "api" }),
    version: pierVersion,
    loginLimiter: new LoginRateLimiter({ maxFailures: 10, windowMs: 15 * 60_000 }),
  });

  const consoleServer = Bun.serve({
    hostname: config.host,
    port: config.consolePort,
    fetch: api.fetch,
    // Large pushes and uploads arrive on this port; per-route limits are enforced by the handlers.
    maxRequestBodySize: 1024 * 1024 * 1024,
    error(error) {
      logger.error("console server error", { error });
      return Response.json({ error: { code: "internal_error", message: "Internal error" } }, { status: 500 });
    },
  });
  const shownHost = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  const consoleUrl = config.publicUrl ?? `http://${shownHost}:${consoleServer.port}`;

  const sweeper = setInterval(() => {
    stores.sessions.deleteExpired().catch((error) => logger.warn("session sweep failed", { error }));
  }, 3600_000);
  sweeper.unref();

  return {
    consoleUrl,
    async stop() {
      clearInterval(sweeper);
      // Graceful: in-flight API requests finish before the database closes.
      await consoleServer.stop(false);
      await database.close();
    },
  };
}
