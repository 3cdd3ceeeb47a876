import type { BatchingOptions } from "@pier/clickhouse";
import { createBatchWriter, int, openClickHouse, quote, selectRows } from "@pier/clickhouse";
import type { CheckResults, CheckRow, CheckWindow, DailyRow } from "./check-results.ts";

// Written for ClickHouse 18.16 (Debian's package): no query parameters, no DateTime64, no TTL,
// no Nullable in the sort key. Values are inlined with quote()/int(), times are UInt64 epoch ms,
// "no status" is -1 and "no error" is ''.
const dayLiteral = (day: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`"${day}" is not a YYYY-MM-DD day.`);
  return `toDate('${day}')`;
};

/** Rows go out in batches (`BatchingOptions`): ClickHouse wants few inserts with many rows, not one per check. */
export interface ClickHouseCheckResultsOptions extends BatchingOptions {
  /** `http://HOST:8123/DATABASE`; the database (default `pier`) is created when missing. */
  url: string;
  database?: string;
}

interface RawRow {
  monitor_id: string;
  at: string | number;
  ok: number;
  latency_ms: number;
  status: number;
  error: string;
}

interface DailyInsert {
  monitor_id: string;
  day: string;
  checks: number;
  failures: number;
}

const fromRaw = (r: RawRow): CheckRow => ({
  monitorId: r.monitor_id,
  at: new Date(Number(r.at)),
  ok: Number(r.ok) === 1,
  latencyMs: Number(r.latency_ms),
  status: Number(r.status) < 0 ? null : Number(r.status),
  error: r.error || null,
});

/**
 * Check results in ClickHouse. Per-day counters are a SummingMergeTree fed one row per check
 * (ClickHouse adds them up while merging; reads still sum, since merges are never guaranteed).
 */
export async function createClickHouseCheckResults(
  options: ClickHouseCheckResultsOptions,
): Promise<CheckResults> {
  const { client, database } = await openClickHouse(options.url, {
    database: options.database,
    fallback: "unset PIER_CLICKHOUSE_URL to keep check results in the SQL database",
    schema: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.uptime_checks (
        monitor_id String, at UInt64, ok UInt8, latency_ms UInt32, status Int16, error String
      ) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(intDiv(at, 1000)))
        ORDER BY (monitor_id, at)`,
      `CREATE TABLE IF NOT EXISTS ${db}.uptime_daily (
        monitor_id String, day Date, checks UInt32, failures UInt32
      ) ENGINE = SummingMergeTree() PARTITION BY toYYYYMM(day) ORDER BY (monitor_id, day)`,
    ],
  });
  const checksTable = `${database}.uptime_checks`;
  const dailyTable = `${database}.uptime_daily`;

  // One check is a raw row and a daily counter row; each flush writes both tables.
  const batch = createBatchWriter<{ raw: RawRow; daily: DailyInsert }>({
    ...options,
    async write(checks) {
      await client.insert({ table: checksTable, format: "JSONEachRow", values: checks.map((c) => c.raw) });
      await client.insert({ table: dailyTable, format: "JSONEachRow", values: checks.map((c) => c.daily) });
    },
  });

  async function rows<T>(query: string): Promise<T[]> {
    // Reads see every check this process recorded: pending rows go out first.
    await batch.flush();
    return selectRows<T>(client, query);
  }
  /** A mutation rewrites whole parts, so it is only issued when some row matches. */
  async function deleteWhere(table: string, where: string): Promise<void> {
    const [found] = await rows<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`);
    if (Number(found?.n ?? 0) === 0) return;
    await client.command({ query: `ALTER TABLE ${table} DELETE WHERE ${where}` });
    // Mutations run in the background (18.16 has no mutations_sync); a short wait lets callers
    // read their own deletes in the common case without blocking on a slow merge for long.
    const [db, name] = table.split(".");
    for (let waited = 0; waited < 5000; waited += 50) {
      const [pending] = await rows<{ n: string }>(
        `SELECT count() AS n FROM system.mutations
         WHERE database = ${quote(db!)} AND table = ${quote(name!)} AND is_done = 0`,
      );
      if (Number(pending?.n ?? 0) === 0) return;
      await Bun.sleep(50);
    }
  }

  return {
    kind: "clickhouse",
    async record(row, day) {
      dayLiteral(day);
      await batch.add({
        raw: {
          monitor_id: row.monitorId,
          at: row.at.getTime(),
          ok: row.ok ? 1 : 0,
          latency_ms: Math.max(0, Math.round(row.latencyMs)),
          status: row.status ?? -1,
          error: row.error ?? "",
        },
        daily: { monitor_id: row.monitorId, day, checks: 1, failures: row.ok ? 0 : 1 },
      });
    },
    async latest(monitorId, limit) {
      const found = await rows<RawRow>(
        `SELECT monitor_id, at, ok, latency_ms, status, error FROM ${checksTable}
         WHERE monitor_id = ${quote(monitorId)} ORDER BY at DESC LIMIT ${int(limit)}`,
      );
      return found.map(fromRaw);
    },
    async window(monitorId, from): Promise<CheckWindow> {
      // Nearest-rank percentiles, as stats.ts computes them for the SQL store: the element at
      // ceil(p * n) (1-based) of the sorted latencies of successful checks.
      const rank = (p: number) => `if(samples = 0, 0, lat[least(samples, toUInt64(ceil(${p} * samples)))])`;
      const [found] = await rows<Record<string, string | number>>(
        `SELECT checks, failures, samples, ${rank(0.5)} AS p50, ${rank(0.95)} AS p95, ${rank(0.99)} AS p99
         FROM (
           SELECT count() AS checks, countIf(ok = 0) AS failures,
             arraySort(groupArrayIf(latency_ms, ok = 1)) AS lat, length(lat) AS samples
           FROM ${checksTable} WHERE monitor_id = ${quote(monitorId)} AND at >= ${int(from.getTime())}
         )`,
      );
      const samples = Number(found?.samples ?? 0);
      const value = (key: string) => (samples === 0 ? null : Number(found?.[key]));
      return {
        checks: Number(found?.checks ?? 0),
        failures: Number(found?.failures ?? 0),
        latency: { p50: value("p50"), p95: value("p95"), p99: value("p99"), samples },
      };
    },
    async since(monitorId, from) {
      const found = await rows<Pick<RawRow, "at" | "ok" | "latency_ms">>(
        `SELECT at, ok, latency_ms FROM ${checksTable}
         WHERE monitor_id = ${quote(monitorId)} AND at >= ${int(from.getTime())} ORDER BY at`,
      );
      return found.map((r) => ({
        at: new Date(Number(r.at)),
        ok: Number(r.ok) === 1,
        latencyMs: Number(r.latency_ms),
      }));
    },
    async daily(monitorIds, fromDay): Promise<DailyRow[]> {
      if (monitorIds.length === 0) return [];
      const found = await rows<{ monitor_id: string; day_key: string; checks: string; failures: string }>(
        `SELECT monitor_id, toString(day) AS day_key, sum(checks) AS checks, sum(failures) AS failures
         FROM ${dailyTable}
         WHERE monitor_id IN (${monitorIds.map(quote).join(", ")}) AND day >= ${dayLiteral(fromDay)}
         GROUP BY monitor_id, day ORDER BY day, monitor_id`,
      );
      return found.map((r) => ({
        monitorId: r.monitor_id,
        day: r.day_key,
        checks: Number(r.checks),
        failures: Number(r.failures),
      }));
    },
    async prune(rawBefore, dailyBeforeDay) {
      await deleteWhere(checksTable, `at < ${int(rawBefore.getTime())}`);
      await deleteWhere(dailyTable, `day < ${dayLiteral(dailyBeforeDay)}`);
    },
    async deleteMonitor(monitorId) {
      await deleteWhere(checksTable, `monitor_id = ${quote(monitorId)}`);
      await deleteWhere(dailyTable, `monitor_id = ${quote(monitorId)}`);
    },
    async close() {
      await batch.close().catch((error) => options.onError?.(error));
      await client.close();
    },
  };
}
