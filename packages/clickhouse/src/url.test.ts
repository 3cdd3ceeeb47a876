import { describe, expect, test } from "bun:test";
import { checkDatabaseName, InvalidClickHouseUrlError, parseClickHouseUrl } from "./url.ts";

describe("parseClickHouseUrl", () => {
  test("the path names the database; the server URL keeps credentials and parameters, the origin drops them", () => {
    expect(parseClickHouseUrl("http://ops:pw@ch.internal:8123/events?compression=1", "pier")).toEqual({
      serverUrl: "http://ops:pw@ch.internal:8123/?compression=1",
      origin: "http://ch.internal:8123",
      database: "events",
    });
  });

  test("no path (or a bare slash) falls back to the default database; a trailing slash is ignored", () => {
    expect(parseClickHouseUrl("http://127.0.0.1:8123", "pier").database).toBe("pier");
    expect(parseClickHouseUrl("http://127.0.0.1:8123/", "analytics").database).toBe("analytics");
    expect(parseClickHouseUrl("https://127.0.0.1:8443/logs/", "pier")).toMatchObject({
      serverUrl: "https://127.0.0.1:8443/",
      database: "logs",
    });
  });

  test("database names that would not be plain identifiers in SQL are refused with the expected form", () => {
    for (const url of [
      "http://127.0.0.1:8123/pier;DROP",
      "http://127.0.0.1:8123/a/b",
      "http://127.0.0.1:8123/9lives",
      "http://127.0.0.1:8123/my-db",
      "http://127.0.0.1:8123/p%20ier",
    ]) {
      const error = (() => {
        try {
          parseClickHouseUrl(url, "pier");
        } catch (e) {
          return e as InvalidClickHouseUrlError;
        }
      })();
      expect(error).toBeInstanceOf(InvalidClickHouseUrlError);
      expect(error?.code).toBe("invalid_clickhouse_url");
      expect(error?.message).toContain("http://HOST:8123/DATABASE");
    }
    expect(() => parseClickHouseUrl("http://127.0.0.1:8123", "bad name")).toThrow(InvalidClickHouseUrlError);
  });

  test("not a URL, or not ClickHouse's HTTP interface; the message never repeats the URL (it may hold a password)", () => {
    expect(() => parseClickHouseUrl("localhost:8123", "pier")).toThrow(/must use http or https/);
    expect(() => parseClickHouseUrl("127.0.0.1:8123", "pier")).toThrow(/not a URL/);
    expect(() => parseClickHouseUrl("tcp://ops:hunter2@127.0.0.1:9000/pier", "pier")).toThrow(
      /^The ClickHouse URL must use http or https \(ClickHouse's HTTP interface\), not tcp:\. Use/,
    );
  });
});

test("checkDatabaseName accepts identifiers and returns them", () => {
  expect(checkDatabaseName("pier_e2e_123")).toBe("pier_e2e_123");
  expect(checkDatabaseName("_x")).toBe("_x");
  expect(() => checkDatabaseName("")).toThrow(InvalidClickHouseUrlError);
  expect(() => checkDatabaseName("a.b")).toThrow(InvalidClickHouseUrlError);
});
