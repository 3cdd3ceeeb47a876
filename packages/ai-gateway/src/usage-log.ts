import type * as sqliteSchema from "./schema/sqlite.ts";

export type UsageRow = (typeof sqliteSchema)["aiUsage"]["$inferSelect"];
export type NewUsage = (typeof sqliteSchema)["aiUsage"]["$inferInsert"];

export interface SpendBucket {
  /** Start of the bucket, epoch ms. */
  bucket: number;
  appId: string | null;
  /** `provider/model` as served, or the requested name when no provider answered. */
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** One row per gateway request, in the control-plane database or in ClickHouse. */
export interface UsageLog {
  kind: "sql" | "clickhouse";
  insert(row: NewUsage): Promise<void>;
  costSince(keyId: string, since: Date): Promise<number>;
  recent(options: { limit: number; appId?: string }): Promise<UsageRow[]>;
  spend(options: { from: Date; to: Date; bucketMs: number; appId?: string }): Promise<SpendBucket[]>;
  close(): Promise<void>;
}
