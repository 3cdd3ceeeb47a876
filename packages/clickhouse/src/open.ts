import { type ClickHouseClient, ClickHouseError, createClient } from "@clickhouse/client";
import { checkDatabaseName, parseClickHouseUrl } from "./url.ts";

export interface OpenClickHouseOptions {
  /** Overrides the database named by the URL's path (default: that path, else `pier`). */
  database?: string;
  /** The caller's own tables (`CREATE TABLE IF NOT EXISTS <database>.…`), run once the database exists. */
  schema?: (database: string) => string[];
  /**
   * What the user can do without ClickHouse, ending the error message when it cannot be reached,
   * e.g. "unset PIER_CLICKHOUSE_URL to keep analytics in SQLite".
   */
  fallback?: string;
}

export interface ClickHouseConnection {
  client: ClickHouseClient;
  /** A checked plain identifier: safe to inline as `${database}.table`. */
  database: string;
  /** The server, without credentials: for messages and logs. */
  origin: string;
}

export class ClickHouseUnavailableError extends Error {
  readonly code = "clickhouse_unavailable";
  constructor(origin: string, cause: unknown, fallback = "unset PIER_CLICKHOUSE_URL") {
    const reason = (cause as Error)?.message ?? String(cause);
    // A server that answered with an error (unknown user, no rights) is not a server to start.
    // 18.16's "Code: 192, e.displayText() = …" is not parsed into a ClickHouseError by the client.
    const answered = cause instanceof ClickHouseError || /^Code: \d+/.test(reason);
    super(
      answered
        ? `ClickHouse at ${origin} refused to set up its tables (${reason}). Check the user and its rights, or ${fallback}.`
        : `ClickHouse at ${origin} did not answer (${reason}). Start it or ${fallback}.`,
      { cause },
    );
    this.name = "ClickHouseUnavailableError";
  }
}

/**
 * A client for `url` (`http://HOST:8123/DATABASE`) whose database and `schema` exist. Any failure
 * on the way closes the client and throws ClickHouseUnavailableError, so a misconfigured URL stops
 * start-up with one message naming the server, not a socket error from the first query.
 */
export async function openClickHouse(
  url: string,
  options: OpenClickHouseOptions = {},
): Promise<ClickHouseConnection> {
  const target = parseClickHouseUrl(url, "pier");
  const database = options.database === undefined ? target.database : checkDatabaseName(options.database);
  const client = createClient({ url: target.serverUrl });
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    for (const query of options.schema?.(database) ?? []) await client.command({ query });
  } catch (error) {
    await client.close().catch(() => {});
    throw new ClickHouseUnavailableError(target.origin, error, options.fallback);
  }
  return { client, database, origin: target.origin };
}
