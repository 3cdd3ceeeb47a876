import { pgColumns } from "@pier/db";
import { foreignKey, index, integer, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";

// Mirror of sqlite.ts, column for column (schema-parity.test.ts).
const { boolean, bytes, createdAt, id, json, serialId, timestamp } = pgColumns;

export const errorProjects = pgTable("error_projects", {
  id: serialId(),
  name: text("name").notNull().unique(),
  appId: text("app_id").unique(),
  publicKey: text("public_key").notNull().unique(),
  platform: text("platform").notNull().default("javascript"),
  rateLimitPerMinute: integer("rate_limit_per_minute").notNull().default(6000),
  webhookUrl: text("webhook_url"),
  webhookSecretSealed: text("webhook_secret_sealed"),
  /** Server-side scrubbing of credentials and sensitive fields (on unless the project turns it off). */
  scrubData: boolean("scrub_data").notNull().default(true),
  /** Key names filtered on top of the defaults. */
  scrubFields: json<string[]>("scrub_fields").notNull().default([]),
  /** Store no user IP address at all, not even the client's for `{{auto}}`. */
  scrubIp: boolean("scrub_ip").notNull().default(false),
  createdAt: createdAt(),
});

export const errorIssues = pgTable(
  "error_issues",
  {
    id: id(),
    projectId: integer("project_id")
      .notNull()
      .references(() => errorProjects.id, { onDelete: "cascade" }),
    hash: text("hash").notNull(),
    groupingKind: text("grouping_kind").notNull(),
    title: text("title").notNull(),
    culprit: text("culprit").notNull(),
    level: text("level").notNull(),
    platform: text("platform").notNull(),
    status: text("status", { enum: ["unresolved", "resolved", "ignored"] }).notNull(),
    substatus: text("substatus", { enum: ["new", "ongoing", "regressed"] }),
    resolvedInRelease: text("resolved_in_release"),
    resolvedAt: timestamp("resolved_at"),
    firstSeen: timestamp("first_seen").notNull(),
    lastSeen: timestamp("last_seen").notNull(),
    firstRelease: text("first_release"),
    lastRelease: text("last_release"),
    count: integer("count").notNull(),
    usersCount: integer("users_count").notNull().default(0),
  },
  (t) => [
    uniqueIndex("error_issues_project_hash_idx").on(t.projectId, t.hash),
    index("error_issues_project_last_seen_idx").on(t.projectId, t.lastSeen),
  ],
);

export const errorIssueTags = pgTable(
  "error_issue_tags",
  {
    issueId: text("issue_id")
      .notNull()
      .references(() => errorIssues.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
    count: integer("count").notNull(),
    lastSeen: timestamp("last_seen").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.issueId, t.key, t.value] }),
    index("error_issue_tags_kv_idx").on(t.key, t.value),
  ],
);

export const errorIssueUsers = pgTable(
  "error_issue_users",
  {
    issueId: text("issue_id")
      .notNull()
      .references(() => errorIssues.id, { onDelete: "cascade" }),
    userKey: text("user_key").notNull(),
  },
  (t) => [primaryKey({ columns: [t.issueId, t.userKey] })],
);

export const errorReleases = pgTable(
  "error_releases",
  {
    projectId: integer("project_id")
      .notNull()
      .references(() => errorProjects.id, { onDelete: "cascade" }),
    version: text("version").notNull(),
    firstSeen: timestamp("first_seen").notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.version] })],
);

export const errorEvents = pgTable(
  "error_events",
  {
    projectId: integer("project_id").notNull(),
    eventId: text("event_id").notNull(),
    issueId: text("issue_id").notNull(),
    receivedAt: timestamp("received_at").notNull(),
    level: text("level").notNull(),
    release: text("release"),
    environment: text("environment"),
    payload: bytes("payload").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.eventId] }),
    index("error_events_issue_idx").on(t.issueId, t.receivedAt),
    index("error_events_received_idx").on(t.receivedAt),
  ],
);

/**
 * Session replays (Sentry `replay_event` + `replay_recording` items): one row per replay, what the
 * list views show. Error events link to a replay through their `replayId` tag (error_issue_tags).
 */
export const errorReplays = pgTable(
  "error_replays",
  {
    projectId: integer("project_id")
      .notNull()
      .references(() => errorProjects.id, { onDelete: "cascade" }),
    replayId: text("replay_id").notNull(),
    /** First and last rrweb event of the segments stored. */
    startedAt: timestamp("started_at").notNull(),
    endedAt: timestamp("ended_at").notNull(),
    /** When the last segment arrived: retention counts from here. */
    lastReceivedAt: timestamp("last_received_at").notNull(),
    replayType: text("replay_type").notNull(),
    segments: integer("segments").notNull(),
    /** Recording bytes stored (as the SDK sent them, compressed or not). */
    bytes: integer("bytes").notNull(),
    /** A segment was refused because the replay reached its size limit. */
    truncated: boolean("truncated").notNull().default(false),
    release: text("release"),
    environment: text("environment"),
    platform: text("platform").notNull(),
    userLabel: text("user_label"),
    browser: text("browser"),
    os: text("os"),
    urls: json<string[]>("urls").notNull().default([]),
    errorIds: json<string[]>("error_ids").notNull().default([]),
    traceIds: json<string[]>("trace_ids").notNull().default([]),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.replayId] }),
    index("error_replays_project_started_idx").on(t.projectId, t.startedAt),
    index("error_replays_received_idx").on(t.lastReceivedAt),
  ],
);

/** The rrweb events of one replay segment, as the SDK sent them (zlib) or zstd-compressed when plain. */
export const errorReplaySegments = pgTable(
  "error_replay_segments",
  {
    projectId: integer("project_id").notNull(),
    replayId: text("replay_id").notNull(),
    segmentId: integer("segment_id").notNull(),
    receivedAt: timestamp("received_at").notNull(),
    encoding: text("encoding", { enum: ["zlib", "zstd"] }).notNull(),
    payload: bytes("payload").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.replayId, t.segmentId] }),
    foreignKey({
      columns: [t.projectId, t.replayId],
      foreignColumns: [errorReplays.projectId, errorReplays.replayId],
    }).onDelete("cascade"),
  ],
);
