import { requireService } from "@pier/testkit";

export interface TestClickHouse {
  /** False outside CI when nothing answers (the suite skips); in CI a silent server fails the suite. */
  available: boolean;
  /** The server, without a database. */
  url: string;
  /** A database name no other run uses (`pier_<suite>_<random>`); dropDatabases() removes it. */
  freshDatabase(): string;
  /** Runs one statement over the HTTP interface and returns its output, trimmed. */
  query(sql: string): Promise<string>;
  /** Drops every database freshDatabase() handed out; call it from afterAll. */
  dropDatabases(): Promise<void>;
}

/**
 * The ClickHouse preamble of a suite: PIER_TEST_CLICKHOUSE_URL, else a local clickhouse-server
 * (Debian package); reachability through requireService; throwaway databases and their cleanup.
 */
export async function testClickHouse(suite: string): Promise<TestClickHouse> {
  const url = (process.env.PIER_TEST_CLICKHOUSE_URL ?? "http://127.0.0.1:8123").replace(/\/+$/, "");
  const reachable = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
  const available = requireService(
    "ClickHouse",
    reachable ? null : `nothing answers ${url}/ping`,
    "Install and start it (`apt-get install -y clickhouse-server`), or set PIER_TEST_CLICKHOUSE_URL.",
  );
  const databases: string[] = [];
  const query = async (sql: string) => {
    const res = await fetch(url, { method: "POST", body: sql, signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`ClickHouse answered ${res.status} to ${sql.slice(0, 80)}: ${text}`);
    return text.trim();
  };
  return {
    available,
    url,
    freshDatabase() {
      const name = `pier_${suite}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      databases.push(name);
      return name;
    },
    query,
    async dropDatabases() {
      if (!available) return;
      for (const name of databases.splice(0)) await query(`DROP DATABASE IF EXISTS ${name}`);
    },
  };
}
