import { afterAll, describe, expect, test } from "bun:test";
import { testClickHouse } from "../../../test/support/clickhouse.ts";
import { freePort } from "../../../test/support/ports.ts";
import { quote } from "./literals.ts";
import { ClickHouseUnavailableError, openClickHouse } from "./open.ts";

const clickhouse = await testClickHouse("clickhouse_test");
afterAll(() => clickhouse.dropDatabases());

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

test("nothing listening: one error naming the server (not its password) and what to do instead", async () => {
  const origin = `http://127.0.0.1:${freePort()}`;
  const error = await rejection(
    openClickHouse(`http://ops:hunter2@${origin.slice(7)}/pier`, {
      fallback: "unset PIER_CLICKHOUSE_URL to keep analytics in SQLite",
    }),
  );
  expect(error).toBeInstanceOf(ClickHouseUnavailableError);
  expect((error as ClickHouseUnavailableError).code).toBe("clickhouse_unavailable");
  expect(error.message).toStartWith(`ClickHouse at ${origin} did not answer (`);
  expect(error.message).toEndWith("Start it or unset PIER_CLICKHOUSE_URL to keep analytics in SQLite.");
  expect(error.message).not.toContain("hunter2");
});

describe.skipIf(!clickhouse.available)("on a real ClickHouse", () => {
  test("creates the database named by the URL path, then the caller's schema in it", async () => {
    const database = clickhouse.freshDatabase();
    const {
      client,
      database: opened,
      origin,
    } = await openClickHouse(`${clickhouse.url}/${database}`, {
      schema: (db) => [
        `CREATE TABLE IF NOT EXISTS ${db}.things (id UInt32) ENGINE = MergeTree() ORDER BY id`,
      ],
    });
    try {
      expect(opened).toBe(database);
      expect(origin).toBe(new URL(clickhouse.url).origin);
      await client.insert({ table: `${database}.things`, values: [{ id: 7 }], format: "JSONEachRow" });
      expect(await clickhouse.query(`SELECT sum(id) FROM ${database}.things`)).toBe("7");
    } finally {
      await client.close();
    }
    // Opening again is harmless: everything is IF NOT EXISTS.
    const again = await openClickHouse(`${clickhouse.url}/${database}`);
    await again.client.close();
  });

  test("options.database wins over the URL path", async () => {
    const database = clickhouse.freshDatabase();
    const { client } = await openClickHouse(`${clickhouse.url}/not_this_one`, { database });
    await client.close();
    expect(
      await clickhouse.query(`SELECT count() FROM system.databases WHERE name = ${quote(database)}`),
    ).toBe("1");
    expect(await clickhouse.query("SELECT count() FROM system.databases WHERE name = 'not_this_one'")).toBe(
      "0",
    );
  });

  test("a server that answers with an error (unknown user) is reported as refusing, not as down", async () => {
    const url = new URL(clickhouse.url);
    url.username = "pier_nobody";
    url.password = "hunter2";
    const error = await rejection(openClickHouse(`${url}${clickhouse.freshDatabase()}`));
    expect(error).toBeInstanceOf(ClickHouseUnavailableError);
    expect(error.message).toContain(`ClickHouse at ${url.origin} refused to set up its tables`);
    expect(error.message).toContain("Check the user and its rights");
    expect(error.message).not.toContain("hunter2");
  });

  test("quoted literals come back unchanged, whatever quotes and backslashes they hold", async () => {
    const { client } = await openClickHouse(clickhouse.url, { database: clickhouse.freshDatabase() });
    try {
      for (const value of [
        "it's",
        "C:\\path\\",
        "\\'",
        "'; DROP DATABASE system; --",
        "tab\there\nnewline",
        "ünï ✓",
      ]) {
        const result = await client.query({ query: `SELECT ${quote(value)} AS v`, format: "JSONEachRow" });
        expect(((await result.json()) as { v: string }[])[0]?.v).toBe(value);
      }
    } finally {
      await client.close();
    }
  });
});
