import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bigint, boolean, createdAt, id, json, timestamp } from "../columns/sqlite.ts";

// Timestamps are epoch milliseconds here and timestamptz in pg.ts; both read back as Date, so the
// stores above this file never see which database they talk to.

export const users = sqliteTable("users", {
  id: id(),
  email: text("email").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["admin", "member"] }).notNull(),
  createdAt: createdAt(),
});

export const sessions = sqliteTable(
  "sessions",
  {
    idHash: text("id_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    csrfToken: text("csrf_token").notNull(),
    expiresAt: timestamp("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const apiTokens = sqliteTable("api_tokens", {
  id: id(),
  name: text("name").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  hint: text("hint").notNull(),
  scopes: json<string[]>("scopes").notNull(),
  /** App names the token is limited to (deploys, env, logs of those apps only); null: every app. */
  apps: json<string[]>("apps"),
  userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
  createdAt: createdAt(),
  lastUsedAt: timestamp("last_used_at"),
  revokedAt: timestamp("revoked_at"),
});

export const apps = sqliteTable("apps", {
  id: id(),
  name: text("name").notNull().unique(),
  defaultBranch: text("default_branch").notNull().default("main"),
  settings: json<Record<string, unknown>>("settings").notNull().default({}),
  createdAt: createdAt(),
});

export const environments = sqliteTable(
  "environments",
  {
    id: id(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["production", "preview"] }).notNull(),
    branch: text("branch").notNull(),
    host: text("host"),
    currentDeploymentId: text("current_deployment_id"),
    /** Set while the environment sleeps (replicas stopped after [deploy] / [preview] sleep_after idle). */
    sleepingSince: timestamp("sleeping_since"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("environments_app_name_idx").on(t.appId, t.name)],
);

export const envVars = sqliteTable(
  "env_vars",
  {
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    // "" means every environment of the app; a name scopes an override to one environment.
    environment: text("environment").notNull().default(""),
    key: text("key").notNull(),
    valueSealed: text("value_sealed").notNull(),
    secret: boolean("secret").notNull().default(true),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.environment, t.key] })],
);

export const deployments = sqliteTable(
  "deployments",
  {
    id: id(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    environmentId: text("environment_id").references(() => environments.id, { onDelete: "set null" }),
    status: text("status", {
      enum: ["queued", "building", "starting", "live", "failed", "superseded", "rolled_back", "cancelled"],
    }).notNull(),
    source: text("source", { enum: ["git", "upload", "image", "rollback"] }).notNull(),
    branch: text("branch"),
    commitSha: text("commit_sha"),
    image: text("image"),
    error: text("error"),
    meta: json<Record<string, unknown>>("meta").notNull().default({}),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at"),
  },
  (t) => [index("deployments_app_idx").on(t.appId, t.createdAt)],
);

export const domains = sqliteTable("domains", {
  id: id(),
  appId: text("app_id")
    .notNull()
    .references(() => apps.id, { onDelete: "cascade" }),
  host: text("host").notNull().unique(),
  createdAt: createdAt(),
});

export const routes = sqliteTable("routes", {
  id: id(),
  host: text("host").notNull(),
  pathPrefix: text("path_prefix").notNull().default("/"),
  upstreams: json<string[]>("upstreams").notNull(),
  options: json<Record<string, unknown>>("options").notNull().default({}),
  appId: text("app_id").references(() => apps.id, { onDelete: "cascade" }),
  createdAt: createdAt(),
});

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: json<unknown>("value").notNull(),
  updatedAt: timestamp("updated_at").notNull(),
});

export const requestMetrics = sqliteTable(
  "request_metrics",
  {
    appKey: text("app_key").notNull(),
    minute: timestamp("minute").notNull(),
    requests: integer("requests").notNull(),
    status2xx: integer("status_2xx").notNull(),
    status3xx: integer("status_3xx").notNull(),
    status4xx: integer("status_4xx").notNull(),
    status5xx: integer("status_5xx").notNull(),
    p50Ms: integer("p50_ms").notNull(),
    p95Ms: integer("p95_ms").notNull(),
    p99Ms: integer("p99_ms").notNull(),
    bytesIn: bigint("bytes_in").notNull(),
    bytesOut: bigint("bytes_out").notNull(),
  },
  // Several partial rows per minute are normal (one per flush); readers sum counts and weight percentiles.
  (t) => [index("request_metrics_app_minute_idx").on(t.appKey, t.minute)],
);

/**
 * Named leases: which pier process holds a job that only one may run (the cron scheduler), until
 * when. Renewed by the holder; another process takes it over once it expired (see leases store).
 */
export const leases = sqliteTable("leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: timestamp("expires_at").notNull(),
  acquiredAt: timestamp("acquired_at").notNull(),
});
