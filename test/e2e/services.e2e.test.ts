import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startLocalS3 } from "@pier/backup/testing";
import { createDockerClient } from "@pier/deploy";
import { startWebhookReceiver } from "@pier/notify/testing";
import { requireService } from "@pier/testkit";
import type { PierProcess } from "../support/pier-process.ts";
import { freePort, pierBinary, runCli, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, screenshotDir, watchPage } from "./dashboard-browser.ts";
import {
  api as apiOf,
  baseDomain,
  deployEnv,
  gitRemote,
  redeploysUnderLoad,
  requireDocker,
  ScratchRepo,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

// Managed services through the compiled binary, on the local service images
// (scripts/base-images/services.sh): PostgreSQL, MariaDB and Redis linked to one Bun app that
// writes and reads through the injected URLs with Bun's SQL and Redis clients; redeploys under
// load, backups and restores (data dir and s3rver), a killed service, an app volume, bad input.

const images = {
  PIER_SERVICE_IMAGE_POSTGRES_15: process.env.PIER_SERVICE_IMAGE_POSTGRES_15 || "pier-base/postgres:15",
  PIER_SERVICE_IMAGE_MARIADB_10_11: process.env.PIER_SERVICE_IMAGE_MARIADB_10_11 || "pier-base/mariadb:10.11",
  PIER_SERVICE_IMAGE_REDIS_7: process.env.PIER_SERVICE_IMAGE_REDIS_7 || "pier-base/redis:7",
};

async function imagesMissing(): Promise<string | null> {
  const docker = createDockerClient();
  for (const image of Object.values(images)) {
    const present = await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    if (!present) return `the image ${image} is missing`;
  }
  return null;
}

const ready =
  (await requireDocker()) &&
  requireService(
    "the local service images",
    await imagesMissing(),
    "Build them with scripts/base-images/services.sh (after scripts/base-images/build.sh).",
  );

const browserReady = ready && chromiumAvailable();
const token = `pier_svc${crypto.randomUUID().replaceAll("-", "")}`;
const host = `shop.${baseDomain}`;
let pier: PierProcess;
let repo: ScratchRepo;
let cliEnv: Record<string, string>;
let s3: Awaited<ReturnType<typeof startLocalS3>>;
const webhook = startWebhookReceiver();
const docker = createDockerClient();

/** The app: writes and reads through DATABASE_URL (PostgreSQL), MYSQL_URL (MariaDB), REDIS_URL. */
function appFiles(version: string, preview = "") {
  return {
    "package.json": JSON.stringify({ name: "svc-app", scripts: { start: "bun server.ts" } }),
    "bunfig.toml": "",
    "pier.toml": `[health]\npath = "/health"\ninterval = "200ms"\n[deploy]\ntimeout = "30s"\ndrain_timeout = "1s"\nstop_timeout = "2s"\n[[volumes]]\nname = "files"\npath = "/files"\n${preview}`,
    "server.ts": `
import { RedisClient, SQL } from "bun";
const version = ${JSON.stringify(version)};
const env = process.env;
const pg = env.DATABASE_URL ? new SQL(env.DATABASE_URL) : null;
const my = env.MYSQL_URL ? new SQL(env.MYSQL_URL) : null;
// A client still retrying a server that was restarted (a restore recreates the container) can
// keep a command queued for many seconds: after 1 s it is replaced by a new one.
const redisOptions = { maxRetries: 3 };
let redis = env.REDIS_URL ? new RedisClient(env.REDIS_URL, redisOptions) : null;
async function withRedis(run) {
  const slow = Bun.sleep(1000).then(() => { throw new Error("redis: no answer within 1 s"); });
  try { return await Promise.race([run(redis), slow]); } catch (error) {
    redis.close(); redis = new RedisClient(env.REDIS_URL, redisOptions); return run(redis);
  }
}
if (pg) await pg\`CREATE TABLE IF NOT EXISTS notes (id serial primary key, body text not null)\`;
if (my) await my\`CREATE TABLE IF NOT EXISTS notes (id int auto_increment primary key, body text not null)\`;
Bun.serve({
  port: Number(env.PORT),
  hostname: env.HOST,
  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/env") return Response.json({ pg: !!pg, my: !!my, redis: !!redis });
    if (url.pathname === "/write") {
      const body = url.searchParams.get("v");
      if (pg) await pg\`INSERT INTO notes (body) VALUES (\${body})\`;
      if (my) await my\`INSERT INTO notes (body) VALUES (\${body})\`;
      if (redis) await withRedis((r) => r.send("RPUSH", ["notes", body]));
      return new Response("written");
    }
    if (url.pathname === "/read") {
      return Response.json({
        pg: pg ? (await pg\`SELECT body FROM notes ORDER BY id\`).map((r) => r.body) : null,
        my: my ? (await my\`SELECT body FROM notes ORDER BY id\`).map((r) => r.body) : null,
        redis: redis ? await withRedis((r) => r.send("LRANGE", ["notes", "0", "-1"])) : null,
      });
    }
    if (url.pathname === "/file") {
      const file = Bun.file("/files/note.txt");
      if (url.searchParams.has("v")) await Bun.write(file, url.searchParams.get("v"));
      return new Response((await file.exists()) ? await file.text() : "none");
    }
    // Under load every request reads from PostgreSQL and Redis: a redeploy must not break either.
    if (pg) await pg\`SELECT count(*) FROM notes\`;
    if (redis) await withRedis((r) => r.send("LLEN", ["notes"]));
    return new Response(version + " -");
  },
});
console.log("listening", version);
`,
  };
}

const call = () => apiOf(pier.url, token);
async function cli(...args: string[]) {
  const result = await runCli(args, cliEnv);
  if (result.code !== 0) throw new Error(`pier ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}
const get = async (path: string) => {
  const res = await viaProxy(pier.httpPort, host, path);
  return { status: res.status, text: await res.text() };
};
const read = async () => JSON.parse((await get("/read")).text) as Record<string, string[]>;
const write = async (value: string) => expect((await get(`/write?v=${value}`)).text).toBe("written");

/** Waits until every deployment of the app is settled and the newest one is live. */
async function appSettled() {
  await waitFor(
    "the app's restarts to go live",
    async () => {
      const { body } = await call()<{ deployments: { status: string }[] }>(
        "GET",
        "/api/v1/apps/shop/deployments",
      );
      const active = body.deployments.some((d) => ["queued", "building", "starting"].includes(d.status));
      return !active && body.deployments[0]?.status === "live";
    },
    60_000,
  );
}

async function latestBackup(service: string): Promise<{ id: string; location: string }> {
  const { body } = await call()<{ backups: { id: string; location: string }[] }>(
    "GET",
    `/api/v1/services/${service}/backups`,
  );
  return body.backups[0]!;
}

describe.skipIf(!ready)("managed services", () => {
  beforeAll(async () => {
    s3 = await startLocalS3("pier-services");
    pier = await startPier({
      env: {
        PIER_ADMIN_TOKEN: token,
        ...deployEnv(),
        ...images,
        // A version whose image is nowhere: creating it must fail cleanly (bad input test).
        PIER_SERVICE_IMAGE_POSTGRES_13: "pier-base/not-built:13",
        ...s3.env,
        PIER_SERVICE_HEALTH_INTERVAL_MS: "1000",
        PIER_SERVICE_WATCH_INTERVAL_MS: "300",
        PIER_SERVICE_DOWN_AFTER_MS: "1500",
      },
      args: ["--proxy-workers", "1", "--base-domain", baseDomain],
    });
    cliEnv = { PIER_URL: pier.url, PIER_TOKEN: token, HOME: pier.dataDir };
    await cli("notify", "add", "ops", "--webhook", webhook.url);
  });

  afterAll(async () => {
    await pier?.stop();
    // Nothing of this suite stays on the Engine.
    for (const name of ["shop-db", "shop-my", "shop-cache", "shop-db-copy"]) {
      await docker
        .getContainer(`pier-svc-${name}`)
        .remove({ force: true })
        .catch(() => {});
      await docker
        .getVolume(`pier-svc-${name}-data`)
        .remove({ force: true })
        .catch(() => {});
      await docker
        .getNetwork(`pier-svc-${name}`)
        .remove()
        .catch(() => {});
    }
    for (const c of await docker.listContainers({ all: true, filters: { label: ["pier.app=shop"] } }))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => {});
    await docker
      .getVolume("pier-vol-shop-files")
      .remove({ force: true })
      .catch(() => {});
    await docker
      .getNetwork("pier-app-shop")
      .remove()
      .catch(() => {});
    await s3?.stop();
    webhook.stop();
  });

  test("PostgreSQL, MariaDB and Redis from local images, linked to a Bun app that writes and reads through them", async () => {
    const created = await Promise.all([
      cli("services", "create", "postgres", "shop-db", "--version", "15", "--memory", "256m"),
      cli("services", "create", "mariadb", "shop-my", "--version", "10.11"),
      cli("services", "create", "redis", "shop-cache", "--version", "7"),
    ]);
    for (const out of created) expect(out).toContain("healthy");
    // No host port: the service is reachable only on its private networks.
    const info = await docker.getContainer("pier-svc-shop-db").inspect();
    expect(info.HostConfig.PortBindings ?? {}).toEqual({});
    expect(info.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.Config.Env.join(" ")).not.toContain("pier_svc"); // the admin token goes nowhere near it

    await cli("apps", "create", "shop");
    repo = new ScratchRepo(gitRemote(pier, token, "shop"));
    await repo.commit(appFiles("r0"), "first");
    expect((await repo.push("main")).output).toContain("Live at");
    expect(JSON.parse((await get("/env")).text)).toEqual({ pg: false, my: false, redis: false });

    await cli("services", "link", "shop-db", "--app", "shop");
    await cli("services", "link", "shop-my", "--app", "shop", "--var", "MYSQL_URL");
    const linked = await cli("services", "link", "shop-cache", "--app", "shop");
    expect(linked).toContain("as REDIS_URL");
    await appSettled();
    expect(JSON.parse((await get("/env")).text)).toEqual({ pg: true, my: true, redis: true });
    await write("first");
    expect(await read()).toEqual({ pg: ["first"], my: ["first"], redis: ["first"] });
    const list = await cli("services", "list");
    expect(list).toMatch(/shop-db\s+postgres\s+15\s+healthy\s+shop/);

    // The shell client in the container, over the console's command session (no docker CLI needed).
    const shell = await runCli(
      ["services", "connect", "shop-db", "--no-tty"],
      cliEnv,
      "SELECT 40 + 2 AS answer;\n",
    );
    expect(shell.code).toBe(0);
    expect(shell.stdout).toContain("42");
    // A loopback port of the server forwarded to it while the command runs; its URL works there.
    const port = freePort();
    const expose = Bun.spawn(
      [pierBinary, "services", "connect", "shop-db", "--expose", `127.0.0.1:${port}`],
      {
        env: { ...process.env, ...cliEnv },
        stdout: "pipe",
      },
    );
    try {
      const reader = expose.stdout.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      const url = /postgres:\/\/\S+/.exec(first)![0];
      expect(url).toContain(`@127.0.0.1:${port}/shop_db`);
      const sql = new Bun.SQL(url);
      expect(await sql`SELECT body FROM notes`).toEqual([{ body: "first" }]);
      await sql.close();
    } finally {
      expose.kill();
    }
  }, 120_000);

  test("three redeploys under load: no failed request, and the data is still there", async () => {
    const { load, pushes } = await redeploysUnderLoad({
      repo,
      httpPort: pier.httpPort,
      host,
      times: 3,
      maxSeconds: 90,
      files: appFiles,
    });
    expect(pushes).toHaveLength(3);
    expect(load.errors).toEqual([]);
    expect(load.failed + load.status5xx + load.unexpected).toBe(0);
    expect(load.ok).toBeGreaterThan(50);
    expect(await read()).toEqual({ pg: ["first"], my: ["first"], redis: ["first"] });
  }, 150_000);

  test("back up each service, lose data, restore: the data is back", async () => {
    for (const name of ["shop-db", "shop-my", "shop-cache"]) {
      expect(await cli("services", "backup", name)).toMatch(/bak_\w+ .* ok /);
    }
    const backups = {
      db: await latestBackup("shop-db"),
      my: await latestBackup("shop-my"),
      cache: await latestBackup("shop-cache"),
    };
    await write("lost");
    expect((await read()).pg).toEqual(["first", "lost"]);
    // Over live data: without a terminal the name is given with --confirm, or nothing happens.
    const unconfirmed = await runCli(["services", "restore", "shop-db", backups.db.id], cliEnv);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain("--confirm shop-db");
    expect((await read()).pg).toEqual(["first", "lost"]);
    await cli("services", "restore", "shop-db", backups.db.id, "--confirm", "shop-db");
    await cli("services", "restore", "shop-my", backups.my.id, "--confirm", "shop-my");
    await cli("services", "restore", "shop-cache", backups.cache.id, "--confirm", "shop-cache");
    await waitFor("the app to read the restored data", async () => {
      const data = await read();
      return data.pg?.join() === "first" && data.my?.join() === "first" && data.redis?.join() === "first";
    });
    // The dump itself, for pg_restore elsewhere.
    const out = join(pier.dataDir, "shop-db.dump");
    await cli("services", "download", "shop-db", backups.db.id, "--output", out);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe("PGDMP");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await runCli(["services", "download", "shop-db", backups.db.id, "--output", out], cliEnv);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
  }, 120_000);

  test("a backup to S3 (s3rver), encrypted, restored from there", async () => {
    await cli(
      "services",
      "configure",
      "shop-db",
      "--backup-to",
      `s3://${s3.bucket}/e2e`,
      "--encrypt-backups",
    );
    await cli("services", "backup", "shop-db");
    const backup = await latestBackup("shop-db");
    expect(backup.location).toStartWith(`s3://${s3.bucket}/e2e/services/shop-db/`);
    const stored = await new Bun.S3Client({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    })
      .file(backup.location.slice(`s3://${s3.bucket}/`.length))
      .bytes();
    expect(stored[0] === 0x1f && stored[1] === 0x8b).toBe(false); // encrypted, not plain gzip
    await write("lost-again");
    await cli("services", "restore", "shop-db", backup.id, "--confirm", "shop-db");
    await waitFor("PostgreSQL's data from S3", async () => (await read()).pg?.join() === "first");
    // Restored into a new service too: the path of a major upgrade.
    await cli("services", "restore", "shop-db", backup.id, "--to", "shop-db-copy");
    const copy = await docker.getContainer("pier-svc-shop-db-copy").exec({
      Cmd: ["psql", "-U", "shop_db_copy", "-d", "shop_db_copy", "-Atc", "SELECT body FROM notes"],
      AttachStdout: true,
    });
    const stream = await copy.start({});
    let text = "";
    stream.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    await new Promise((resolve) => stream.on("end", resolve));
    expect(text).toContain("first");
    await cli("services", "delete", "shop-db-copy", "--confirm", "shop-db-copy", "--purge");

    // A backup that cannot be stored fails, is recorded, and the channels hear of it.
    await cli("services", "configure", "shop-db", "--backup-to", "s3://no-such-bucket/x");
    const failed = await runCli(["services", "backup", "shop-db"], cliEnv);
    expect(failed.code).not.toBe(0);
    await waitFor("the service.backup_failed notification", async () =>
      webhook.received.some((r) => JSON.stringify(r.json).includes("service.backup_failed")),
    );
    expect(
      (await call()<{ backups: { status: string }[] }>("GET", "/api/v1/services/shop-db/backups")).body
        .backups[0]!.status,
    ).toBe("failed");
    await cli("services", "configure", "shop-db", "--backup-to", "local");
  }, 120_000);

  test("bad input: clear errors and nothing half-created", async () => {
    const before = (await call()<{ services: unknown[] }>("GET", "/api/v1/services")).body.services.length;
    const create = (body: unknown) =>
      call()<{ error: { code: string; message: string } }>("POST", "/api/v1/services", body);
    const unknownKind = await create({ name: "x1", kind: "mongodb" });
    expect(unknownKind.status).toBe(400);
    expect(unknownKind.body.error.message).toContain("postgres, mysql, mariadb, redis");
    const unknownVersion = await create({ name: "x2", kind: "postgres", version: "42" });
    expect(unknownVersion.status).toBe(400);
    expect(unknownVersion.body.error.message).toContain("PostgreSQL 42 is not a version pier knows");
    const clash = await create({ name: "shop-db", kind: "redis", version: "7" });
    expect(clash.status).toBe(409);
    // An image that is on no registry reachable here: the service does not stay half-made.
    const noImage = await create({ name: "x3", kind: "postgres", version: "13" });
    expect(noImage.status).toBe(502);
    expect(noImage.body.error.message).toContain("pier-base/not-built:13");
    expect((await call()<{ services: unknown[] }>("GET", "/api/v1/services")).body.services).toHaveLength(
      before,
    );
    expect(
      await docker
        .getVolume("pier-svc-x3-data")
        .inspect()
        .catch(() => null),
    ).toBeNull();

    const missingApp = await call()<{ error: { message: string } }>(
      "POST",
      "/api/v1/services/shop-db/links",
      {
        app: "nope",
      },
    );
    expect(missingApp.status).toBe(404);
    expect(missingApp.body.error.message).toContain('App "nope" does not exist');

    const redisBackup = await latestBackup("shop-cache");
    const otherKind = await call()<{ error: { message: string } }>(
      "POST",
      "/api/v1/services/shop-db/restore",
      {
        backup: redisBackup.id,
      },
    );
    expect(otherKind.status).toBe(422);
    expect(otherKind.body.error.message).toContain("is of a redis service; shop-db is postgres");
    expect((await read()).pg).toEqual(["first"]);

    // A damaged backup is refused before anything changes.
    await write("kept");
    const mariadb = await latestBackup("shop-my");
    const path = mariadb.location.slice("file:".length);
    const bytes = readFileSync(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(path, bytes);
    const corrupt = await call()<{ error: { message: string } }>("POST", "/api/v1/services/shop-my/restore", {
      backup: mariadb.id,
    });
    expect(corrupt.status).toBe(422);
    expect(corrupt.body.error.message).toContain("is damaged");
    expect((await read()).my).toEqual(["first", "lost-again", "kept"]);
  }, 60_000);

  test("an app volume survives a redeploy and a rollback, and comes back from a snapshot", async () => {
    expect((await get("/file?v=kept-file")).text).toBe("kept-file");
    await repo.commit(appFiles("r9"), "another release");
    expect((await repo.push("main")).output).toContain("Live at");
    expect((await get("/file")).text).toBe("kept-file");
    const rollback = await call()("POST", "/api/v1/apps/shop/rollback", {});
    expect(rollback.status).toBeLessThan(300);
    await appSettled();
    expect((await get("/")).text).not.toBe("r9 -");
    expect((await get("/file")).text).toBe("kept-file");

    expect(await cli("volumes", "list")).toContain("shop/files");
    const snapshot = await cli("volumes", "backup", "shop", "files");
    const id = /bak_\w+/.exec(snapshot)![0];
    expect((await get("/file?v=changed")).text).toBe("changed");
    await cli("volumes", "restore", "shop", "files", id, "--confirm", "shop/files");
    expect((await get("/file")).text).toBe("kept-file");
  }, 90_000);

  test("a killed service: health goes red, the channels hear of it, restart brings it and the app back", async () => {
    await docker.getContainer("pier-svc-shop-db").kill();
    await waitFor("shop-db to read as down", async () =>
      (await cli("services", "list")).match(/shop-db\s+\S+\s+\S+\s+stopped/),
    );
    const down = await waitFor("the service.down notification", async () =>
      webhook.received.find((r) => JSON.stringify(r.json).includes("service.down")),
    );
    expect(JSON.stringify(down.json)).toContain("shop-db");
    expect(await cli("services", "restart", "shop-db")).toContain("healthy");
    await waitFor("the app to answer again", async () => (await get("/")).text.endsWith(" -"));
    await waitFor("the recovery notification", async () =>
      webhook.received.some((r) => JSON.stringify(r.json).includes("service.recovered")),
    );
    expect((await cli("services", "logs", "shop-db", "--tail", "5")).length).toBeGreaterThan(0);
  }, 60_000);

  test("a preview gets copies of the linked databases; a minor upgrade keeps the data, a new major is refused", async () => {
    repo.git("checkout", "-q", "-b", "feature-x");
    await repo.commit(appFiles("p1", `[preview]\ndatabase = "copy"\n`), "preview");
    expect((await repo.push("feature-x")).output).toContain("Live at");
    repo.git("checkout", "-q", "main");
    const preview = async (path: string) =>
      (await viaProxy(pier.httpPort, `feature-x--shop.${baseDomain}`, path)).text();
    const production = await read();
    expect(await preview("/write?v=preview-only")).toBe("written");
    const copied = JSON.parse(await preview("/read")) as Record<string, string[]>;
    for (const kind of ["pg", "my", "redis"])
      expect(copied[kind]).toEqual([...production[kind]!, "preview-only"]);
    expect(await read()).toEqual(production);
    expect(await cli("services", "info", "shop-db")).toContain("previews: feature-x");

    const major = await runCli(["services", "upgrade", "shop-db", "--version", "16"], cliEnv);
    expect(major.code).not.toBe(0);
    expect(major.stderr).toContain("pier services restore shop-db BACKUP --to NEW_NAME --version 16");
    expect(await cli("services", "upgrade", "shop-db", "--version", "15.1")).toContain("postgres 15.1");
    await waitFor(
      "the app on the upgraded service",
      async () => (await read()).pg?.join() === production.pg!.join(),
    );
  }, 90_000);

  test.if(browserReady)(
    "the dashboard lists the services, and a service's links, backups and logs",
    async () => {
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
        watchPage(page);
        await page.goto(pier.url);
        await page.getByLabel("Setup code").fill(pier.setupCode());
        await page.getByLabel("Email").fill("admin@example.com");
        await page.getByLabel("Password").fill("correct horse battery");
        await page.getByRole("button", { name: "Create admin account" }).click();
        // Signed in once the navigation shows; the Services page is one of its links.
        await page.getByRole("link", { name: "Services" }).first().click();
        const row = page.locator("[data-service=shop-db]");
        await row.waitFor();
        expect(await row.textContent()).toContain("postgres");
        await row.getByRole("link", { name: "shop-db" }).click();
        await page.locator("[data-testid=service-backups] tr[data-backup]").first().waitFor();
        expect(await page.locator("main").first().textContent()).toContain("DATABASE_URL");
        await page.locator("[data-testid=service-logs]").waitFor();
        await page.screenshot({ path: join(screenshotDir, "services.png"), fullPage: true });
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  test("delete asks for the name, keeps the data volume unless --purge, refuses while linked", async () => {
    const refused = await runCli(["services", "delete", "shop-cache", "--confirm", "shop-cache"], cliEnv);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("unlink first");
    await cli("services", "unlink", "shop-cache", "--app", "shop");
    await appSettled();
    expect(JSON.parse((await get("/env")).text).redis).toBe(false);
    // A snapshot of the data volume (the server stopped meanwhile) and its restore.
    const snapshot = /bak_\w+/.exec(await cli("services", "backup", "shop-cache", "--snapshot"))![0];
    expect(await cli("services", "restore", "shop-cache", snapshot, "--confirm", "shop-cache")).toContain(
      "Restored",
    );
    expect(await cli("services", "info", "shop-cache")).toContain("healthy");
    // Without a terminal the name comes from --confirm: a piped line is not taken as typed.
    const piped = await runCli(["services", "delete", "shop-cache"], cliEnv, "shop-cache\n");
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain("--confirm shop-cache");
    const typo = await runCli(["services", "delete", "shop-cache", "--confirm", "shop-cach"], cliEnv);
    expect(typo.code).toBe(2);
    const deleted = await runCli(["services", "delete", "shop-cache", "--confirm", "shop-cache"], cliEnv);
    expect(deleted.stdout).toContain("pier-svc-shop-cache-data");
    expect(await docker.getVolume("pier-svc-shop-cache-data").inspect()).toBeTruthy();
    // The kept volume holds data made with the old credentials: the name is not reused over it.
    const again = await runCli(["services", "create", "redis", "shop-cache", "--version", "7"], cliEnv);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("docker volume rm pier-svc-shop-cache-data");
    expect(readdirSync(join(pier.dataDir, "backups", "services", "shop-cache")).length).toBeGreaterThan(0);
  }, 60_000);
});
