/**
 * Backups that restore, through the compiled binary: a pier with a static site, a Docker app with
 * a secret env var, a domain with its certificate, an error issue, analytics and a monitor is
 * backed up to a directory (downloaded through the API) and to a local S3 server (s3rver, made on
 * the server's data dir while pier runs, encrypted), restored into an empty data dir and started
 * on other ports: it serves the same sites with the same certificate and secret, and its API
 * shows the same data. The Docker app's image is removed first, so the restored pier rebuilds it
 * from the archived repository. A tampered archive fails verify and restore, which write nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { type LocalS3, startLocalS3 } from "@pier/backup/testing";
import { createDockerClient, removeAppContainersAndImages } from "@pier/deploy";
import { startWebhookReceiver } from "@pier/notify/testing";
import { freshPostgresDatabase } from "../support/database-backends.ts";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  bunAppFiles,
  deployEnv,
  gitRemote,
  requireDocker,
  ScratchRepo,
  staticSiteFiles,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

const docker = await requireDocker();
const sourceDatabase = freshPostgresDatabase("pier_backup_src");
const restoredDatabase = freshPostgresDatabase("pier_backup_dst");
const token = `pier_backup_e2e_${crypto.randomUUID().replaceAll("-", "")}`;
const scratch = mkdtempSync(join(tmpdir(), "pier-backup-e2e-"));
let s3Env: Record<string, string> = {};
const bucket = "pier-backups";
const domain = "www.backup.test";
const secret = `s3cret-${crypto.randomUUID().slice(0, 8)}`;
const webhook = startWebhookReceiver();
let s3: LocalS3 | undefined;
let a: PierProcess;
let b: PierProcess | undefined;

const cli = (args: string[], stdin?: string) => runCli(args, s3Env, stdin);
const conn = (pier: PierProcess) => ["--url", pier.url, "--token", token];

/** SHA-256 fingerprint of the certificate `pier` serves for `host` on its HTTPS port. */
function servedFingerprint(pier: PierProcess, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: "127.0.0.1", port: pier.httpsPort, servername: host, rejectUnauthorized: false },
      () => {
        const fingerprint = socket.getPeerCertificate().fingerprint256;
        socket.end();
        resolve(fingerprint);
      },
    );
    socket.on("error", reject);
  });
}

/** What the API of `pier` says about the data the suite made: compared before and after. */
async function apiView(pier: PierProcess) {
  const call = api(pier.url, token);
  const apps = await call<{ apps: { name: string }[] }>("GET", "/api/v1/apps");
  const issues = await call<{ issues: { title: string; count: number }[] }>("GET", "/api/v1/errors/issues");
  const monitors = await call<{ monitors: { name: string }[] }>("GET", "/api/v1/monitors");
  const overview = await call<{ overview: { pageviews: number; visitors: number } }>(
    "GET",
    "/api/v1/analytics/site/overview?period=day",
  );
  const env = await call<{ vars: { key: string }[] }>("GET", "/api/v1/apps/api/env");
  return {
    apps: apps.body.apps.map((x) => x.name).sort(),
    issues: issues.body.issues.map((i) => `${i.title} x${i.count}`),
    // Names only: the monitors pier keeps for its apps follow the app's URL, which has the new port.
    monitors: monitors.body.monitors.map((m) => m.name).sort(),
    pageviews: overview.body.overview?.pageviews,
    env: JSON.stringify(env.body),
  };
}

beforeAll(async () => {
  if (!docker) return;
  s3 = await startLocalS3(bucket);
  s3Env = s3.env;
  a = await startPier({
    env: { PIER_ADMIN_TOKEN: token, ...deployEnv(), ...s3Env },
    args: ["--proxy-workers", "1", "--base-domain", baseDomain],
  });
}, 60_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  webhook.stop();
  await s3?.stop();
  if (docker) await removeAppContainersAndImages(createDockerClient(), "api");
});

describe.skipIf(!docker)("backup and restore through the compiled binary", () => {
  let dirArchive = "";
  let s3Archive = "";
  let before: Awaited<ReturnType<typeof apiView>>;
  let fingerprint = "";
  const keyFile = join(scratch, "backup.key");

  test("a pier with apps, a domain, secrets, errors, analytics and a monitor", async () => {
    const call = api(a.url, token);
    // A static site deployed from a directory, with a domain and its certificate.
    const site = join(scratch, "site");
    mkdirSync(site);
    for (const [name, text] of Object.entries(staticSiteFiles("Backup site")))
      writeFileSync(join(site, name), text);
    expect((await call("POST", "/api/v1/apps", { name: "site" })).status).toBe(201);
    const deployed = await runCli(["deploy", site, "--app", "site", ...conn(a)]);
    expect(deployed.code).toBe(0);
    expect((await call("POST", "/api/v1/apps/site/domains", { host: domain })).status).toBe(201);
    // A Docker app pushed with git, reading a secret env var.
    expect((await call("POST", "/api/v1/apps", { name: "api" })).status).toBe(201);
    expect((await runCli(["env", "set", `MESSAGE=${secret}`, "--app", "api", ...conn(a)])).code).toBe(0);
    const repo = new ScratchRepo(gitRemote(a, token, "api"));
    await repo.commit(bunAppFiles("v1"));
    const push = await repo.push("main");
    expect(push.output).toContain("Live at");
    expect(await (await viaProxy(a.httpPort, `api.${baseDomain}`)).text()).toBe(`v1 ${secret}`);
    expect(await (await viaProxy(a.httpPort, `site.${baseDomain}`)).text()).toContain("Backup site");
    fingerprint = await waitFor("the domain's certificate", () =>
      servedFingerprint(a, domain).catch(() => undefined),
    );

    // An error issue, analytics pageviews and a monitor.
    const { body } = await call<{ project: { id: number; publicKey: string } }>(
      "POST",
      "/api/v1/errors/projects",
      {
        name: "web",
      },
    );
    const sent = await fetch(`${a.url}/api/${body.project.id}/store/?sentry_key=${body.project.publicKey}`, {
      method: "POST",
      body: JSON.stringify({ message: "checkout failed" }),
    });
    expect(sent.status).toBe(200);
    for (const path of ["/", "/pricing"]) {
      const beacon = await fetch(`http://127.0.0.1:${a.httpPort}/_pier/event`, {
        method: "POST",
        headers: {
          host: `site.${baseDomain}`,
          "user-agent": "Mozilla/5.0 backup-e2e",
          "content-type": "text/plain",
        },
        body: JSON.stringify({ n: "pageview", u: `http://site.${baseDomain}${path}` }),
      });
      expect(beacon.status).toBe(202);
    }
    expect(
      (
        await call("POST", "/api/v1/monitors", {
          name: "console",
          kind: "http",
          target: `${a.url}/healthz`,
          intervalSeconds: 60,
        })
      ).status,
    ).toBe(201);
    before = await waitFor("the events to be stored", async () => {
      const view = await apiView(a);
      return view.pageviews === 2 && view.issues.length === 1 ? view : undefined;
    });
    expect(before.apps).toEqual(["api", "site"]);
  }, 120_000);

  test("pier backup create: downloaded to a directory, and on the server to S3, encrypted", async () => {
    const dir = join(scratch, "archives");
    const download = await cli(["backup", "create", "--to", dir, ...conn(a)]);
    expect(download.stderr + download.stdout).toContain("Backup written to");
    expect(download.code).toBe(0);
    const [name] = readdirSync(dir);
    dirArchive = join(dir, name!);
    expect((await cli(["backup", "verify", dirArchive])).code).toBe(0);

    expect((await cli(["backup", "keygen", keyFile])).code).toBe(0);
    const offline = await cli([
      "backup",
      "create",
      "--data-dir",
      a.dataDir,
      "--to",
      `s3://${bucket}/pier`,
      "--encrypt",
      "--key-file",
      keyFile,
    ]);
    expect(offline.code).toBe(0);
    const listed = await cli(["backup", "list", `s3://${bucket}/pier`, "--json"]);
    const archives = JSON.parse(listed.stdout) as { name: string; encrypted: boolean; size: number }[];
    expect(archives).toHaveLength(1);
    expect(archives[0]!.encrypted).toBe(true);
    s3Archive = `s3://${bucket}/pier/${archives[0]!.name}`;
    expect((await cli(["backup", "verify", s3Archive])).code).toBe(1);
    const verified = await cli(["backup", "verify", s3Archive, "--key-file", keyFile]);
    expect(verified.stdout).toContain("every checksum matches");
  }, 60_000);

  test("run now from the API records size and duration; a failed backup notifies; prune keeps the newest", async () => {
    const call = api(a.url, token);
    const serverDir = join(scratch, "server-archives");
    expect((await call("PUT", "/api/v1/backups/settings", { target: serverDir, keep: 2 })).status).toBe(200);
    const run = await fetch(`${a.url}/api/v1/backups`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    const lines = (await run.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const done = lines.at(-1);
    expect(done.type).toBe("done");
    expect(done.run.status).toBe("succeeded");
    const { body } = await call<{
      runs: { trigger: string; status: string; bytes: number; durationMs: number }[];
    }>("GET", "/api/v1/backups");
    expect(body.runs.find((r) => r.trigger === "manual")).toMatchObject({ status: "succeeded" });
    expect(body.runs.every((r) => r.bytes > 0 && r.durationMs >= 0)).toBe(true);

    // A target that cannot be written: the run fails and the channels hear about it.
    expect(
      (
        await call("POST", "/api/v1/notification-channels", {
          name: "ops",
          events: ["backup.failed"],
          config: { kind: "webhook", url: webhook.url },
        })
      ).status,
    ).toBe(201);
    writeFileSync(join(scratch, "a-file"), "");
    expect(
      (await call("PUT", "/api/v1/backups/settings", { target: join(scratch, "a-file", "sub") })).status,
    ).toBe(200);
    const failed = await fetch(`${a.url}/api/v1/backups`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(JSON.parse((await failed.text()).trim().split("\n").at(-1)!).run.status).toBe("failed");
    const [hook] = await webhook.waitFor(1);
    expect(JSON.stringify(hook!.json)).toContain("backup.failed");

    for (let i = 0; i < 2; i++)
      expect((await cli(["backup", "create", "--data-dir", a.dataDir, "--to", serverDir])).code).toBe(0);
    const pruned = await cli(["backup", "prune", serverDir, "--keep", "1"]);
    expect(pruned.stdout).toContain("2 archive(s) deleted");
    expect(readdirSync(serverDir).filter((n) => n.startsWith("pier-backup-"))).toHaveLength(1);
  }, 60_000);

  test("a tampered archive fails verify and restore, and restore writes nothing", async () => {
    const bytes = readFileSync(dirArchive);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    const bad = join(scratch, "tampered.tar.gz");
    writeFileSync(bad, bytes);
    const verify = await cli(["backup", "verify", bad]);
    expect(verify.code).toBe(1);
    const empty = join(scratch, "must-stay-empty");
    mkdirSync(empty);
    const restore = await cli(["backup", "restore", bad, "--data-dir", empty]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("damaged");
    expect(readdirSync(empty)).toEqual([]);
    const missing = join(scratch, "must-not-exist");
    expect((await cli(["backup", "restore", bad, "--data-dir", missing])).code).toBe(1);
    expect(existsSync(missing)).toBe(false);
    // Nor over the data dir of a running pier, even with --force: it would go on with the old files.
    const busy = await cli(["backup", "restore", dirArchive, "--data-dir", a.dataDir]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain("is running on");
    const forced = await cli(["backup", "restore", dirArchive, "--data-dir", a.dataDir, "--force"]);
    expect(forced.code).toBe(1);
    expect(forced.stderr).toContain("stop it first");
    expect((await fetch(`${a.url}/healthz`)).status).toBe(200);
    // A data dir no pier runs on is still refused without --force when it is not empty.
    const stopped = join(scratch, "not-running");
    mkdirSync(stopped);
    writeFileSync(join(stopped, "pier.db"), "");
    expect((await cli(["backup", "restore", dirArchive, "--data-dir", stopped])).stderr).toContain(
      "not empty",
    );
  }, 30_000);

  test("restored into an empty data dir on other ports: same sites, certificate, secret and data", async () => {
    // The Docker app's image is gone, as on a new machine: the restored pier rebuilds it from git.
    const deployments = await api(a.url, token)<{ deployments: { status: string; image: string | null }[] }>(
      "GET",
      "/api/v1/apps/api/deployments",
    );
    const image = deployments.body.deployments.find((d) => d.status === "live")!.image!;
    await createDockerClient().getImage(image).remove({ force: true });

    const dataDir = join(scratch, "restored");
    const restored = await cli([
      "backup",
      "restore",
      s3Archive,
      "--data-dir",
      dataDir,
      "--key-file",
      keyFile,
    ]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain("site: static site, served from the archive at once");
    expect(restored.stdout).toContain("api: runs pier/api:");
    expect(restored.stdout).toContain("rebuilt at first start from commit");

    b = await startPier({
      dataDir,
      env: { ...deployEnv() },
      args: ["--proxy-workers", "1", "--base-domain", baseDomain],
    });
    expect(b.url).not.toBe(a.url);
    expect(await (await viaProxy(b.httpPort, `site.${baseDomain}`)).text()).toContain("Backup site");
    expect(await servedFingerprint(b, domain)).toBe(fingerprint);
    const answer = await waitFor(
      "the Docker app rebuilt from its commit",
      async () => {
        const res = await viaProxy(b!.httpPort, `api.${baseDomain}`);
        return res.ok ? res.text() : undefined;
      },
      90_000,
    );
    expect(answer).toBe(`v1 ${secret}`);
    // Served by a release rebuilt from the archived repository, not by the image that was removed.
    const rebuilt = await api(b.url, token)<{ deployments: { status: string; image: string | null }[] }>(
      "GET",
      "/api/v1/apps/api/deployments",
    );
    const live = rebuilt.body.deployments.find((d) => d.status === "live")!;
    expect(live.image).toStartWith("pier/api:");
    // A restart of the release would run the same image again; a rebuild tags a new one.
    expect(live.image).not.toBe(image);
    expect(await apiView(b)).toEqual(before);
  }, 150_000);
});

describe.skipIf(!sourceDatabase || !restoredDatabase)("backup and restore of a pier on PostgreSQL", () => {
  test("pg_dump into the archive, psql into an empty database: the restored pier serves and answers the same", async () => {
    const sourceUrl = await sourceDatabase!.create();
    const restoredUrl = await restoredDatabase!.create();
    const pg = await startPier({
      env: { PIER_ADMIN_TOKEN: token, PIER_DATABASE_URL: sourceUrl },
      args: ["--proxy-workers", "1", "--base-domain", baseDomain],
    });
    let restored: PierProcess | undefined;
    try {
      const call = api(pg.url, token);
      expect((await call("POST", "/api/v1/apps", { name: "docs" })).status).toBe(201);
      const site = join(scratch, "pg-site");
      mkdirSync(site);
      for (const [name, text] of Object.entries(staticSiteFiles("Docs on PostgreSQL")))
        writeFileSync(join(site, name), text);
      expect((await runCli(["deploy", site, "--app", "docs", ...conn(pg)])).code).toBe(0);
      const apps = (await call<{ apps: { name: string }[] }>("GET", "/api/v1/apps")).body.apps.map(
        (x) => x.name,
      );

      const dir = join(scratch, "pg-archives");
      const made = await cli([
        "backup",
        "create",
        "--data-dir",
        pg.dataDir,
        "--database-url",
        sourceUrl,
        "--to",
        dir,
      ]);
      expect(made.code).toBe(0);
      const archive = join(dir, readdirSync(dir)[0]!);
      expect((await cli(["backup", "verify", archive])).stdout).toContain("PostgreSQL dump");
      // Not into a database that has tables, unless forced.
      const busy = await cli([
        "backup",
        "restore",
        archive,
        "--data-dir",
        join(scratch, "pg-busy"),
        "--database-url",
        sourceUrl,
      ]);
      expect(busy.stderr).toContain("has tables already");
      expect(existsSync(join(scratch, "pg-busy"))).toBe(false);

      const dataDir = join(scratch, "pg-restored");
      const done = await cli([
        "backup",
        "restore",
        archive,
        "--data-dir",
        dataDir,
        "--database-url",
        restoredUrl,
      ]);
      expect(done.code).toBe(0);
      expect(done.stdout).toContain("docs: static site, served from the archive at once");
      restored = await startPier({
        dataDir,
        env: { PIER_DATABASE_URL: restoredUrl },
        args: ["--proxy-workers", "1", "--base-domain", baseDomain],
      });
      expect(await (await viaProxy(restored.httpPort, `docs.${baseDomain}`)).text()).toContain(
        "Docs on PostgreSQL",
      );
      const again = await api(restored.url, token)<{ apps: { name: string }[] }>("GET", "/api/v1/apps");
      expect(again.body.apps.map((x) => x.name)).toEqual(apps);
    } finally {
      await restored?.stop();
      await pg.stop();
    }
  }, 90_000);
});
