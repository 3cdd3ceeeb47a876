import type { BatchingOptions } from "@pier/clickhouse";
import { createBatchWriter, int, openClickHouse, quote, selectRows } from "@pier/clickhouse";
import type { NewUsage, SpendBucket, UsageLog, UsageRow } from "./usage-log.ts";

// Written for ClickHouse 18.16 (Debian's package): no query parameters, no DateTime64, no
// Nullable in the sort key. Values are inlined with quote()/int(), times are UInt64 epoch ms and
// "no value" is '' or -1.

/** Rows are sent in batches (`BatchingOptions`): ClickHouse wants few large inserts, not one per request. */
export interface ClickHouseUsageLogOptions extends BatchingOptions {
  url: string;
  database?: string;
}

interface ClickHouseRow {
  id: string;
  created_at: string | number;
  app_id: string;
  key_id: string;
  endpoint: string;
  requested_model: string;
  provider: string;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  latency_ms: number;
  ttft_ms: number;
  status: number;
  cost_usd: number;
  cached: number;
  stream: number;
  attempts: number;
  error: string;
}

function toClickHouse(row: NewUsage): ClickHouseRow {
  return {
    id: row.id,
    created_at: (row.createdAt ?? new Date()).getTime(),
    app_id: row.appId ?? "",
    key_id: row.keyId ?? "",
    endpoint: row.endpoint,
    requested_model: row.requestedModel,
    provider: row.provider ?? "",
    model: row.model ?? "",
    prompt_tokens: row.promptTokens ?? 0,
    completion_tokens: row.completionTokens ?? 0,
    latency_ms: row.latencyMs,
    ttft_ms: row.ttftMs ?? -1,
    status: row.status,
    cost_usd: row.costUsd ?? 0,
    cached: row.cached ? 1 : 0,
    stream: row.stream ? 1 : 0,
    attempts: row.attempts ?? 1,
    error: row.error ?? "",
  };
}

function fromClickHouse(r: ClickHouseRow): UsageRow {
  return {
    id: r.id,
    createdAt: new Date(Number(r.created_at)),
    appId: r.app_id || null,
    keyId: r.key_id || null,
    endpoint: r.endpoint,
    requestedModel: r.requested_model,
    provider: r.provider || null,
    model: r.model || null,
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    latencyMs: Number(r.latency_ms),
    ttftMs: Number(r.ttft_ms) < 0 ? null : Number(r.ttft_ms),
    status: Number(r.status),
    costUsd: Number(r.cost_usd),
    cached: Number(r.cached) === 1,
    stream: Number(r.stream) === 1,
    attempts: Number(r.attempts),
    error: r.error || null,
  };
}

/** The usage log in ClickHouse, for installations whose AI traffic outgrows the SQL database. */
export async function createClickHouseUsageLog(options: ClickHouseUsageLogOptions): Promise<UsageLog> {
  const { client, database } = await openClickHouse(options.url, {
    database: options.database,
    fallback: "unset PIER_CLICKHOUSE_URL to keep the AI usage log in the SQL database",
    schema: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.ai_usage (
        id String, created_at UInt64, app_id String, key_id String, endpoint String,
        requested_model String, provider String, model String, prompt_tokens UInt32,
        completion_tokens UInt32, latency_ms UInt32, ttft_ms Int32, status UInt16, cost_usd Float64,
        cached UInt8, stream UInt8, attempts UInt8, error String
      ) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(intDiv(created_at, 1000)))
        ORDER BY (created_at, key_id)`,
    ],
  });
  const table = `${database}.ai_usage`;

  const batch = createBatchWriter<ClickHouseRow>({
    ...options,
    write: (values) => client.insert({ table, format: "JSONEachRow", values }),
  });

  async function rows<T>(query: string): Promise<T[]> {
    // Reads see every row this process accepted: pending rows go out first.
    await batch.flush();
    return selectRows<T>(client, query);
  }

  return {
    kind: "clickhouse",
    async insert(row) {
      await batch.add(toClickHouse(row));
    },
    async costSince(keyId, since) {
      const [found] = await rows<{ cost: number | string }>(
        `SELECT sum(cost_usd) AS cost FROM ${table} WHERE key_id = ${quote(keyId)} AND created_at >= ${int(since.getTime())}`,
      );
      return Number(found?.cost ?? 0);
    },
    async recent({ limit, appId }) {
      const where = appId ? `WHERE app_id = ${quote(appId)}` : "";
      const found = await rows<ClickHouseRow>(
        `SELECT * FROM ${table} ${where} ORDER BY created_at DESC LIMIT ${int(limit)}`,
      );
      return found.map(fromClickHouse);
    },
    async spend({ from, to, bucketMs, appId }) {
      const app = appId ? ` AND app_id = ${quote(appId)}` : "";
      const found = await rows<Record<string, string | number>>(
        `SELECT intDiv(created_at, ${int(bucketMs)}) * ${int(bucketMs)} AS bucket, app_id,
           if(provider = '', requested_model, concat(provider, '/', model)) AS served,
           count() AS requests, sum(prompt_tokens) AS prompt, sum(completion_tokens) AS completion,
           sum(cost_usd) AS cost
         FROM ${table}
         WHERE created_at >= ${int(from.getTime())} AND created_at < ${int(to.getTime())}${app}
         GROUP BY bucket, app_id, served ORDER BY bucket`,
      );
      return found.map(
        (r): SpendBucket => ({
          bucket: Number(r.bucket),
          appId: r.app_id ? String(r.app_id) : null,
          model: String(r.served),
          requests: Number(r.requests),
          promptTokens: Number(r.prompt),
          completionTokens: Number(r.completion),
          costUsd: Number(r.cost),
        }),
      );
    },
    async close() {
      await batch.close().catch(() => {});
      await client.close();
    },
  };
}
