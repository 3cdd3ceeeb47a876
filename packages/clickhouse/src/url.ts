/** Where a store's ClickHouse tables live, from a `http://HOST:8123/DATABASE` URL. */
export interface ClickHouseTarget {
  /** What the client connects to: the URL without its path (credentials and parameters kept). */
  serverUrl: string;
  /** `http://HOST:PORT`, safe to print: no credentials. */
  origin: string;
  database: string;
}

export class InvalidClickHouseUrlError extends Error {
  readonly code = "invalid_clickhouse_url";
  constructor(detail: string) {
    super(`${detail} Use http://HOST:8123/DATABASE (the database defaults to "pier").`);
    this.name = "InvalidClickHouseUrlError";
  }
}

// Unquoted ClickHouse identifiers: the name is inlined into DDL and queries, never escaped.
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Returns `name` if it can be inlined as a database name; throws InvalidClickHouseUrlError otherwise. */
export function checkDatabaseName(name: string): string {
  if (!identifier.test(name))
    throw new InvalidClickHouseUrlError(
      `ClickHouse database name "${name}" must be a plain identifier (letters, digits and _, not starting with a digit).`,
    );
  return name;
}

/** Splits a ClickHouse URL into the server to connect to and the database (its path, else `defaultDatabase`). */
export function parseClickHouseUrl(url: string, defaultDatabase: string): ClickHouseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidClickHouseUrlError("The ClickHouse URL is not a URL.");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new InvalidClickHouseUrlError(
      `The ClickHouse URL must use http or https (ClickHouse's HTTP interface), not ${parsed.protocol}.`,
    );
  const database = checkDatabaseName(parsed.pathname.replace(/^\/+|\/+$/g, "") || defaultDatabase);
  parsed.pathname = "/";
  return { serverUrl: parsed.toString(), origin: parsed.origin, database };
}
