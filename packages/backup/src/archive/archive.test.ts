import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EncryptionKey, newKeyFileText, parseKeyFile } from "../format/encryption.ts";
import { localTarget } from "../targets/local-target.ts";
import { readArchive } from "./read.ts";
import { restoreArchive } from "./restore.ts";
import { takeSnapshot } from "./snapshot.ts";
import { archiveStream } from "./write.ts";

const scratch = mkdtempSync(join(tmpdir(), "pier-backup-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A data dir shaped like pier's: live SQLite in WAL mode, keys, certificates, a repo, a static release. */
function makeDataDir(): string {
  const dir = join(scratch, `data-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { recursive: true });
  const db = new Database(join(dir, "pier.db"));
  db.run("PRAGMA journal_mode = WAL");
  db.run("CREATE TABLE pier_migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)");
  db.run("INSERT INTO pier_migrations VALUES ('0000_init', 1), ('errors/0000_init', 2)");
  db.run("CREATE TABLE apps (id TEXT PRIMARY KEY, name TEXT)");
  db.run(
    "CREATE TABLE environments (id TEXT PRIMARY KEY, app_id TEXT, name TEXT, current_deployment_id TEXT)",
  );
  db.run(
    "CREATE TABLE deployments (id TEXT PRIMARY KEY, source TEXT, commit_sha TEXT, image TEXT, meta TEXT)",
  );
  db.run("INSERT INTO apps VALUES ('app_1', 'site'), ('app_2', 'api')");
  db.run(
    "INSERT INTO environments VALUES ('env_1', 'app_1', 'production', 'dep_1'), ('env_2', 'app_2', 'production', 'dep_2')",
  );
  db.run("INSERT INTO deployments VALUES (?, 'upload', NULL, ?, ?)", [
    "dep_1",
    `static:spa:${dir}/static/dep_1`,
    JSON.stringify({ kind: "static", staticDir: `${dir}/static/dep_1` }),
  ]);
  db.run(
    "INSERT INTO deployments VALUES ('dep_2', 'git', 'abc123def456', 'pier/api:dep_2', '{\"kind\":\"image\"}')",
  );
  // Left open: its newest rows sit in the WAL, which the snapshot must include.
  writeFileSync(join(dir, "secret.key"), "k".repeat(44), { mode: 0o600 });
  writeFileSync(join(dir, "instance-id"), "pier_abc\n");
  mkdirSync(join(dir, "certs", "www.example.test"), { recursive: true });
  writeFileSync(join(dir, "certs", "www.example.test", "cert.pem"), "CERT");
  mkdirSync(join(dir, "git", "api.git", "refs", "heads"), { recursive: true });
  mkdirSync(join(dir, "git", "api.git", "refs", "tags"), { recursive: true });
  writeFileSync(join(dir, "git", "api.git", "HEAD"), "ref: refs/heads/main\n");
  writeFileSync(join(dir, "git", "api.git", "refs", "heads", "main"), "abc123def456\n");
  mkdirSync(join(dir, "static", "dep_1", "assets"), { recursive: true });
  writeFileSync(join(dir, "static", "dep_1", "index.html"), "<h1>site</h1>");
  writeFileSync(
    join(dir, "static", "dep_1", "assets", "big.bin"),
    crypto.getRandomValues(new Uint8Array(600_000)),
  );
  symlinkSync("../index.html", join(dir, "static", "dep_1", "assets", "home.html"));
  mkdirSync(join(dir, "uploads"));
  writeFileSync(join(dir, "uploads", "half.tar"), "partial upload");
  writeFileSync(join(dir, "setup-code"), "123456");
  return Object.assign(dir, { db }) as string;
}

async function makeArchive(dataDir: string, key?: EncryptionKey) {
  const snapshot = await takeSnapshot({ dataDir, clickhouse: false, version: "0.1.0", runId: "bkp_1" });
  try {
    const target = localTarget(join(scratch, "archives"));
    const name = `pier-backup-${Date.now()}${Math.floor(Math.random() * 1000)}.tar.gz${key ? ".enc" : ""}`;
    const stored = await target.write(name, archiveStream(snapshot, { encryption: key }));
    return { path: stored.location, manifest: snapshot.manifest, stagingDir: snapshot.stagingDir };
  } finally {
    await snapshot.cleanup();
  }
}

describe("archive round trip", () => {
  test("snapshot takes what pier owns, live databases included, and restores it elsewhere", async () => {
    const dataDir = makeDataDir();
    const { path, manifest, stagingDir } = await makeArchive(dataDir);
    expect(existsSync(stagingDir)).toBe(false);
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toContain("data/pier.db");
    expect(paths).toContain("data/secret.key");
    expect(paths).toContain("data/static/dep_1/assets/big.bin");
    expect(paths.some((p) => p.includes("uploads") || p.includes("setup-code") || p.endsWith("-wal"))).toBe(
      false,
    );
    expect(manifest.migrations).toEqual(["0000_init", "errors/0000_init"]);
    expect(manifest.dirs.map((d) => d.path)).toContain("data/git/api.git/refs/tags");
    expect(manifest.symlinks).toEqual([
      { path: "data/static/dep_1/assets/home.html", target: "../index.html" },
    ]);

    const restored = join(scratch, `restored-${Date.now()}`);
    const report = await restoreArchive({
      source: Bun.file(path).stream(),
      archiveName: path,
      dataDir: restored,
      force: false,
      keepInstanceId: false,
      version: "0.1.0",
    });
    expect(report.relocatedReleases).toBe(1);
    expect(report.apps.map((a) => a.how)).toEqual(["rebuild-from-git", "static"]);
    expect(readFileSync(join(restored, "secret.key"), "utf8")).toBe("k".repeat(44));
    expect(statSync(join(restored, "secret.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(restored, "static", "dep_1", "assets", "big.bin"))).toEqual(
      readFileSync(join(dataDir, "static", "dep_1", "assets", "big.bin")),
    );
    expect(readlinkSync(join(restored, "static", "dep_1", "assets", "home.html"))).toBe("../index.html");
    expect(existsSync(join(restored, "git", "api.git", "refs", "tags"))).toBe(true);
    expect(existsSync(join(restored, "instance-id"))).toBe(false);
    expect(existsSync(join(restored, "uploads"))).toBe(false);
    expect(readdirSync(restored).some((n) => n.startsWith(".restore-"))).toBe(false);
    const db = new Database(join(restored, "pier.db"), { readonly: true });
    const row = db
      .query<{ image: string; meta: string }, []>("SELECT image, meta FROM deployments WHERE id = 'dep_1'")
      .get()!;
    expect(row.image).toBe(`static:spa:${restored}/static/dep_1`);
    expect(JSON.parse(row.meta).staticDir).toBe(`${restored}/static/dep_1`);
    db.close();

    // Not into a non-empty dir without force.
    await expect(
      restoreArchive({
        source: Bun.file(path).stream(),
        archiveName: path,
        dataDir: restored,
        force: false,
        keepInstanceId: false,
        version: "0.1.0",
      }),
    ).rejects.toThrow("not empty");
    // Not by an older pier.
    const older = join(scratch, `older-${Date.now()}`);
    await expect(
      restoreArchive({
        source: Bun.file(path).stream(),
        archiveName: path,
        dataDir: older,
        force: false,
        keepInstanceId: false,
        version: "0.0.9",
      }),
    ).rejects.toThrow("upgrade pier to 0.1.0");
    expect(existsSync(older)).toBe(false);
  });

  test("a forced restore drops the side files of every SQLite file it replaces, logs.db included", async () => {
    const dataDir = makeDataDir();
    const logs = new Database(join(dataDir, "logs.db"));
    logs.run("PRAGMA journal_mode = WAL");
    logs.run("CREATE TABLE lines (text TEXT)");
    logs.run("INSERT INTO lines VALUES ('archived')");
    logs.close();
    const { path } = await makeArchive(dataDir);
    // The pier being replaced: its logs.db has rows in a WAL that was never checkpointed.
    const target = makeDataDir();
    const old = new Database(join(target, "logs.db"));
    old.run("PRAGMA journal_mode = WAL");
    old.run("PRAGMA wal_autocheckpoint = 0");
    old.run("CREATE TABLE lines (text TEXT)");
    for (let i = 0; i < 50; i++) old.run("INSERT INTO lines VALUES ('replaced')");
    expect(existsSync(join(target, "logs.db-wal"))).toBe(true);
    await restoreArchive({
      source: Bun.file(path).stream(),
      archiveName: path,
      dataDir: target,
      force: true,
      keepInstanceId: false,
      version: "0.1.0",
    });
    old.close();
    expect(existsSync(join(target, "logs.db-wal"))).toBe(false);
    const restored = new Database(join(target, "logs.db"), { readonly: true });
    expect(restored.query<{ text: string }, []>("SELECT text FROM lines").all()).toEqual([
      { text: "archived" },
    ]);
    restored.close();
  });

  test("a flipped byte anywhere fails verification and restore, and restore writes nothing", async () => {
    const dataDir = makeDataDir();
    const { path } = await makeArchive(dataDir);
    const bytes = readFileSync(path);
    for (const at of [bytes.length >> 1, bytes.length - 20, 200]) {
      const tampered = Buffer.from(bytes);
      tampered[at] = tampered[at]! ^ 0x40;
      const copy = join(scratch, `tampered-${at}.tar.gz`);
      writeFileSync(copy, tampered);
      await expect(readArchive(Bun.file(copy).stream(), undefined)).rejects.toThrow();
      const target = join(scratch, `t-${at}`);
      mkdirSync(target);
      await expect(
        restoreArchive({
          source: Bun.file(copy).stream(),
          archiveName: copy,
          dataDir: target,
          force: false,
          keepInstanceId: false,
          version: "0.1.0",
        }),
      ).rejects.toThrow();
      expect(readdirSync(target)).toEqual([]);
    }
  });

  test("encrypted archives need their key, and a changed byte is caught by authentication", async () => {
    const dataDir = makeDataDir();
    const key = { kind: "key-file" as const, key: parseKeyFile(newKeyFileText()) };
    const { path } = await makeArchive(dataDir, key);
    expect(readFileSync(path).subarray(0, 8).toString()).toBe("PIERENC1");
    const { manifest } = await readArchive(Bun.file(path).stream(), key);
    expect(manifest.runId).toBe("bkp_1");
    await expect(readArchive(Bun.file(path).stream(), undefined)).rejects.toThrow("encrypted");
    const tampered = Buffer.from(readFileSync(path));
    tampered[tampered.length - 30] = tampered[tampered.length - 30]! ^ 1;
    writeFileSync(`${path}.bad`, tampered);
    await expect(readArchive(Bun.file(`${path}.bad`).stream(), key)).rejects.toThrow("changed");
  });
});
