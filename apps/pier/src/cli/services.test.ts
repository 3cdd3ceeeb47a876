import { afterAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "./command.ts";
import { restoreCommand, servicesCommands, volumesRestoreCommand, writePrivateFile } from "./services.ts";

const dir = mkdtempSync(join(tmpdir(), "pier-cli-services-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* chunks(...parts: string[]) {
  for (const part of parts) yield new TextEncoder().encode(part);
}

test("a downloaded dump is readable by its owner only, and an existing file is kept unless replaced", async () => {
  const path = join(dir, "shop.dump");
  expect(await writePrivateFile(path, chunks("rows ", "of data"), { replace: false })).toBe(12);
  expect(statSync(path).mode & 0o777).toBe(0o600);
  expect(readFileSync(path, "utf8")).toBe("rows of data");

  await expect(writePrivateFile(path, chunks("other"), { replace: false })).rejects.toThrow(
    "exists already: pick another file, or add --force",
  );
  expect(readFileSync(path, "utf8")).toBe("rows of data");

  const shared = join(dir, "shared.dump");
  writeFileSync(shared, "old");
  chmodSync(shared, 0o644);
  await writePrivateFile(shared, chunks("new"), { replace: true });
  expect(statSync(shared).mode & 0o777).toBe(0o600);
  expect(readFileSync(shared, "utf8")).toBe("new");
});

/** A pier that has the service shop-db and the volume shop/files; it records the restores asked of it. */
const restores: string[] = [];
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(request) {
    const { pathname } = new URL(request.url);
    if (request.method === "POST") {
      restores.push(pathname);
      return Response.json({ service: { name: "shop-db", kind: "postgres", version: "15" } });
    }
    if (pathname === "/api/v1/services/shop-db") return Response.json({ service: { name: "shop-db" } });
    if (pathname === "/api/v1/volumes")
      return Response.json({ volumes: [{ app: "shop", name: "files", volume: "pier-vol-shop-files" }] });
    return Response.json({ error: { code: "not_found", message: "not found" } }, { status: 404 });
  },
});
afterAll(() => server.stop(true));

const run = (command: typeof restoreCommand, positionals: string[], flags: Record<string, string> = {}) =>
  command.run({ positionals, flags: { url: server.url.origin, token: "pier_test", ...flags } });

test("restoring over live data needs --confirm NAME without a terminal; the name must match", async () => {
  expect(process.stdin.isTTY).toBeFalsy();
  const refused = await run(restoreCommand, ["shop-db", "bak_1"]).catch((error) => error);
  expect(refused).toBeInstanceOf(UsageError);
  expect(refused.message).toContain("--confirm shop-db");
  await expect(run(restoreCommand, ["shop-db", "bak_1"], { confirm: "shop" })).rejects.toThrow(
    "nothing restored",
  );
  expect(restores).toEqual([]);

  await run(restoreCommand, ["shop-db", "bak_1"], { confirm: "shop-db" });
  // Into a new service nothing is replaced: no confirmation.
  await run(restoreCommand, ["shop-db", "bak_1"], { to: "shop-db-copy" });
  expect(restores).toEqual(["/api/v1/services/shop-db/restore", "/api/v1/services/shop-db/restore"]);

  const volume = await run(volumesRestoreCommand, ["shop", "files", "bak_2"]).catch((error) => error);
  expect(volume).toBeInstanceOf(UsageError);
  expect(volume.message).toContain("--confirm shop/files");
  await run(volumesRestoreCommand, ["shop", "files", "bak_2"], { confirm: "shop/files" });
  expect(restores).toHaveLength(3);
});

test("deleting a service needs --confirm NAME without a terminal, like a restore", async () => {
  const deleteCommand = servicesCommands.find((c) => c.name === "services delete")!;
  const refused = await run(deleteCommand, ["shop-db"]).catch((error) => error);
  expect(refused).toBeInstanceOf(UsageError);
  expect(refused.message).toContain("--confirm shop-db");
  await expect(run(deleteCommand, ["shop-db"], { confirm: "shop" })).rejects.toThrow("nothing deleted");
});
