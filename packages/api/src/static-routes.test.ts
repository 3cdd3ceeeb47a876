import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStores, openDatabase } from "@pier/db";
import { cachedStaticRoutes } from "./static-routes.ts";

const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-static-routes-")) });
afterAll(() => database.close());

test("rows are parsed once and kept by id; added and deleted rows are seen on the next collect", async () => {
  const stores = createStores(database);
  const create = (id: string, host: string) =>
    stores.routes.create({
      id,
      host,
      pathPrefix: "/",
      upstreams: ["http://127.0.0.1:1"],
      options: { stripPrefix: true },
    });
  await create("rt_a", "a.test");
  await create("rt_b", "b.test");
  const collect = cachedStaticRoutes(stores.routes);
  const first = await collect();
  expect(first.map((s) => [s.id, s.host, s.stripPrefix]).sort()).toEqual([
    ["rt_a", "a.test", true],
    ["rt_b", "b.test", true],
  ]);
  await create("rt_c", "c.test");
  await stores.routes.delete("rt_a");
  const second = await collect();
  expect(second.map((s) => s.id).sort()).toEqual(["rt_b", "rt_c"]);
  // The same object for an unchanged row: the proxy's differ skips it by identity.
  expect(second.find((s) => s.id === "rt_b")).toBe(first.find((s) => s.id === "rt_b")!);
});
