import { expect, test } from "bun:test";
import type { Credentials } from "./kinds.ts";
import { connectionUrl, previewDatabaseName } from "./links.ts";

const c: Credentials = { user: "shop_db", password: "p@ss/word", database: "shop_db", rootPassword: "r" };

test("connection URLs of each kind, with the password escaped", () => {
  expect(connectionUrl("postgres", c, "shop-db")).toBe(
    "postgres://shop_db:p%40ss%2Fword@shop-db:5432/shop_db",
  );
  expect(connectionUrl("mariadb", c, "shop-db")).toBe("mysql://shop_db:p%40ss%2Fword@shop-db:3306/shop_db");
  expect(connectionUrl("redis", c, "cache")).toBe("redis://:p%40ss%2Fword@cache:6379/0");
  expect(connectionUrl("redis", c, "cache", "3")).toBe("redis://:p%40ss%2Fword@cache:6379/3");
});

test("preview databases: a suffixed name, or the first free Redis number", () => {
  expect(previewDatabaseName("postgres", c, "feature-x", {})).toBe("shop_db_feature_x");
  expect(previewDatabaseName("postgres", c, "feature-x", { "feature-x": "kept" })).toBe("kept");
  expect(previewDatabaseName("redis", c, "b", { a: "1", c: "3" })).toBe("2");
  const long = previewDatabaseName("postgres", { ...c, database: "d".repeat(63) }, "e".repeat(40), {});
  expect(long.length).toBeLessThanOrEqual(63);
});
