import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import { createSecretBox, type SecretBox } from "@pier/secrets";
import type { Server } from "bun";
import { Hono } from "hono";
import { AiGateway } from "../src/gateway.ts";
import { openAiRoutes } from "../src/http/openai-routes.ts";
import { pgMigrations, sqliteMigrations } from "../src/migrations.gen.ts";
import type { GatewaySettings } from "../src/schemas.ts";
import { createAiStore } from "../src/store.ts";

type UsageRow = Awaited<ReturnType<AiGateway["store"]["usage"]["recent"]>>[number];

/** A gateway on a fresh SQLite data dir, with its client routes served at `/ai/v1` on a free port. */
export interface TestGateway {
  gateway: AiGateway;
  database: Database;
  /** The gateway's key for provider secrets: a second gateway on the same database needs it. */
  secretBox: SecretBox;
  server: Server<undefined>;
  /** The last request's usage row, once the gateway has written it. */
  lastUsage(): Promise<UsageRow>;
  close(): Promise<void>;
}

export async function startTestGateway(
  prefix: string,
  settings: Partial<GatewaySettings>,
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const database = await openDatabase({ dataDir: dir });
  await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
  const secretBox = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
  const gateway = await AiGateway.create({ store: createAiStore(database), secretBox, logger: silentLogger });
  await gateway.catalog.patchSettings(settings);
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: new Hono().route("/ai/v1", openAiRoutes(gateway)).fetch,
  });
  return {
    gateway,
    database,
    secretBox,
    server,
    async lastUsage() {
      await gateway.idle();
      const [row] = await gateway.store.usage.recent({ limit: 1 });
      return row!;
    },
    async close() {
      server.stop(true);
      await gateway.idle();
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
