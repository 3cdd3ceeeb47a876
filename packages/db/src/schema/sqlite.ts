import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Timestamps are epoch milliseconds here and timestamptz in pg.ts; both read back as Date, so the
// stores above this file never see which database they talk to.
const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`);

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
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
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const apiTokens = sqliteTable("api_tokens", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  tokenHash: text("token_hash").notNull().unique(),
  hint: text("hint").notNull(),
  scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
  userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
  createdAt: createdAt(),
  lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
  revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
});

export const apps = sqliteTable("apps", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  defaultBranch: text("default_branch").notNull().default("main"),
  settings: text("settings", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  createdAt: createdAt(),
});

export const environments = sqliteTable(
  "environments",
  {
    id: text("id").primaryKey(),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["production", "preview"] }).notNull(),
    branch: text("branch").notNull(),
    host: text("host"),
    currentDeploymentId: text("current_deployment_id"),
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
    secret: integer("secret", { mode: "boolean" }).notNull().default(true),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.appId, t.environment, t.key] })],
);

export const deployments = sqliteTable(
  "deployments",
  {
    id: text("id").primaryKey(),
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
    meta: text("meta", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    finishedAt: integer("finished_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("deployments_app_idx").on(t.appId, t.createdAt)],
);

export const domains = sqliteTable("domains", {
  id: text("id").primaryKey(),
  appId: text("app_id")
    .notNull()
    .references(() => apps.id, { onDelete: "cascade" }),
  host: text("host").notNull().unique(),
  createdAt: createdAt(),
});

export const routes = sqliteTable("routes", {
  id: text("id").primaryKey(),
  host: text("host").notNull(),
  pathPrefix: text("path_prefix").notNull().default("/"),
  upstreams: text("upstreams", { mode: "json" }).$type<string[]>().notNull(),
  options: text("options", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
  appId: text("app_id").references(() => apps.id, { onDelete: "cascade" }),
  createdAt: createdAt(),
});

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).$type<unknown>().notNull(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

export const requestMetrics = sqliteTable(
  "request_metrics",
  {
    appKey: text("app_key").notNull(),
    minute: integer("minute", { mode: "timestamp_ms" }).notNull(),
    requests: integer("requests").notNull(),
    status2xx: integer("status_2xx").notNull(),
    status3xx: integer("status_3xx").notNull(),
    status4xx: integer("status_4xx").notNull(),
    status5xx: integer("status_5xx").notNull(),
    p50Ms: integer("p50_ms").notNull(),
    p95Ms: integer("p95_ms").notNull(),
    p99Ms: integer("p99_ms").notNull(),
    bytesIn: integer("bytes_in").notNull(),
    bytesOut: integer("bytes_out").notNull(),
  },
  // Several partial rows per minute are normal (one per flush); readers sum counts and weight percentiles.
  (t) => [index("request_metrics_app_minute_idx").on(t.appKey, t.minute)],
);
