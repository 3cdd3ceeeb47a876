import type { ClickHouseClient } from "@clickhouse/client";

/** Runs a SELECT and returns its rows as objects (JSONEachRow: UInt64 and friends arrive as strings). */
export async function selectRows<T>(client: ClickHouseClient, query: string): Promise<T[]> {
  const result = await client.query({ query, format: "JSONEachRow" });
  return (await result.json()) as T[];
}
