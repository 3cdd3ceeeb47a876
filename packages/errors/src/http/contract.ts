import { defineRoutes } from "@pier/http/contract";
import { z } from "zod";
import { processedEventSchema } from "../process/processed-event.ts";

// Dates in this API are epoch milliseconds (numbers), as the error pages and the CLI read them.

const issueStatus = z.enum(["unresolved", "resolved", "ignored"]);
const periodSchema = z.enum(["1h", "24h", "14d", "30d"]);

export const createProjectBody = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, "letters, digits, . _ -"),
  platform: z.string().max(64).optional(),
  rateLimitPerMinute: z.number().int().min(0).max(10_000_000).optional(),
  webhookUrl: z.url().nullable().optional(),
  webhookSecret: z.string().min(8).max(256).nullable().optional(),
  /** Server-side scrubbing; on by default, like Sentry's. */
  scrubbing: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** Key names filtered on top of the defaults (password, secret, token, auth, cookie, dsn, …). */
      fields: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
      /** Store no user IP at all (not even the client's for the SDKs' `{{auto}}`). */
      dropIp: z.boolean().optional(),
    })
    .optional(),
});
export const updateProjectBody = createProjectBody.partial();
export type ProjectChanges = z.infer<typeof updateProjectBody>;

const issueListQuery = z.object({
  project: z.coerce.number().int().positive().optional(),
  app: z.string().optional(),
  status: issueStatus.optional(),
  environment: z.string().max(64).optional(),
  release: z.string().max(200).optional(),
  level: z.enum(["fatal", "error", "warning", "info", "debug"]).optional(),
  query: z.string().max(200).optional(),
  sort: z.enum(["lastSeen", "firstSeen", "count", "users"]).default("lastSeen"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const updateIssueBody = z.object({
  status: issueStatus,
  /** Defaults to the issue's latest release: later releases regress it. */
  resolvedInRelease: z.string().max(200).nullable().optional(),
});

const bulkUpdateIssuesBody = z.strictObject({
  ids: z.array(z.string().min(1).max(64)).min(1).max(200),
  /** Resolved issues are resolved in their own latest release, as one at a time. */
  status: issueStatus,
});

/** `file` names the minified file as stack frames do: `~/static/app.min.js` for any origin, or an exact path. */
const sourceMapFile = "file is required (e.g. ~/static/app.min.js)";
const sourceMapQuery = z.object({
  file: z.string({ error: sourceMapFile }).min(1, sourceMapFile).max(2000),
});
const releaseParams = z.object({ id: z.string(), release: z.string().min(1).max(200) });

/** A project as the API shows it: its DSNs and the ingest counters since start. */
export const projectView = z.object({
  id: z.number(),
  name: z.string(),
  appId: z.string().nullable(),
  platform: z.string(),
  publicKey: z.string(),
  rateLimitPerMinute: z.number(),
  webhookUrl: z.string().nullable(),
  webhookSecretSet: z.boolean(),
  scrubbing: z.object({ enabled: z.boolean(), fields: z.array(z.string()), dropIp: z.boolean() }),
  createdAt: z.number(),
  /** Through the console port. */
  dsn: z.string(),
  /** Through each of the app's hosts (`/_pier/`), for browsers: same origin. */
  appHostDsns: z.record(z.string(), z.string()),
  /** Events stored, dropped or refused since start, by reason. */
  stats: z.record(z.string(), z.number()),
});

export const issueView = z.object({
  id: z.string(),
  projectId: z.number(),
  title: z.string(),
  culprit: z.string(),
  level: z.string(),
  platform: z.string(),
  status: issueStatus,
  substatus: z.enum(["new", "ongoing", "regressed"]).nullable(),
  groupingKind: z.string(),
  count: z.number(),
  usersCount: z.number(),
  firstSeen: z.number(),
  lastSeen: z.number(),
  firstRelease: z.string().nullable(),
  lastRelease: z.string().nullable(),
  resolvedInRelease: z.string().nullable(),
  resolvedAt: z.number().nullable(),
});

const tagSummary = z.object({
  key: z.string(),
  totalCount: z.number(),
  topValues: z.array(z.object({ value: z.string(), count: z.number(), lastSeen: z.number() })),
});

const histogramView = z.object({
  period: periodSchema,
  bucketMs: z.number(),
  /** Start of the first bucket; buckets without events are left out. */
  since: z.number(),
  buckets: z.array(z.object({ start: z.number(), count: z.number() })),
});

const eventSummary = z.object({
  eventId: z.string(),
  issueId: z.string(),
  receivedAt: z.number(),
  level: z.string(),
  release: z.string().nullable(),
  environment: z.string().nullable(),
});

const sourceMapView = z.object({
  file: z.string(),
  release: z.string(),
  bytes: z.number(),
  uploadedAt: z.number(),
});

const deleted = z.object({ deleted: z.literal(true) });

const replayIdParams = z.object({
  id: z.string(),
  replayId: z.string().regex(/^[0-9a-f]{32}$/, "a replay id is 32 lowercase hex digits"),
});

/** A session replay (Sentry's replayIntegration): when, how long, where, and what it holds. */
export const replayView = z.object({
  replayId: z.string(),
  projectId: z.number(),
  /** First and last recorded rrweb event (epoch ms). */
  startedAt: z.number(),
  endedAt: z.number(),
  durationMs: z.number(),
  lastReceivedAt: z.number(),
  /** `session` (sampled from the start) or `buffer` (sent because an error happened). */
  replayType: z.string(),
  segments: z.number(),
  /** Recording bytes stored; `truncated` when the size limit per replay dropped later segments. */
  bytes: z.number(),
  truncated: z.boolean(),
  release: z.string().nullable(),
  environment: z.string().nullable(),
  platform: z.string(),
  user: z.string().nullable(),
  browser: z.string().nullable(),
  os: z.string().nullable(),
  urls: z.array(z.string()),
  /** Error events the SDK sent during the replay. */
  errorIds: z.array(z.string()),
  traceIds: z.array(z.string()),
});

const replayEventView = z.looseObject({ type: z.number(), timestamp: z.number() });

/** `/api/v1/errors`: error-tracking projects and their DSNs, issues, events and source maps. */
export const errorsRoutes = defineRoutes({
  listErrorProjects: {
    method: "GET",
    path: "/api/v1/errors/projects",
    tag: "errors",
    access: "read",
    summary: "List error-tracking projects with their DSNs",
    response: z.object({ projects: z.array(projectView) }),
  },
  createErrorProject: {
    method: "POST",
    path: "/api/v1/errors/projects",
    tag: "errors",
    access: "write",
    summary: "Create a standalone project (for an app hosted elsewhere)",
    body: createProjectBody,
    status: 201,
    response: z.object({ project: projectView }),
  },
  getErrorProject: {
    method: "GET",
    path: "/api/v1/errors/projects/:id",
    tag: "errors",
    access: "read",
    summary: "A project and its DSNs",
    response: z.object({ project: projectView }),
  },
  updateErrorProject: {
    method: "PATCH",
    path: "/api/v1/errors/projects/:id",
    tag: "errors",
    access: "write",
    summary: "Change a project's name, platform, rate limit or webhook (only the fields given)",
    body: updateProjectBody,
    response: z.object({ project: projectView }),
  },
  rotateErrorProjectKey: {
    method: "POST",
    path: "/api/v1/errors/projects/:id/rotate-key",
    tag: "errors",
    access: "write",
    summary: "Give a project a new public key: DSNs with the old one stop working",
    response: z.object({ project: projectView }),
  },
  deleteErrorProject: {
    method: "DELETE",
    path: "/api/v1/errors/projects/:id",
    tag: "errors",
    access: "write",
    summary: "Delete a project with its issues, events and source maps",
    response: deleted,
  },
  ensureAppErrorProject: {
    method: "PUT",
    path: "/api/v1/errors/apps/:name/project",
    tag: "errors",
    access: "write",
    summary: "The project of an app, created when it has none",
    response: z.object({ project: projectView }),
  },
  getErrorEvent: {
    method: "GET",
    path: "/api/v1/errors/projects/:id/events/:eventId",
    tag: "errors",
    access: "read",
    summary: "One event, frames resolved through the release's source maps",
    response: z.object({ event: processedEventSchema, issueId: z.string().nullable() }),
  },
  uploadSourceMap: {
    method: "PUT",
    path: "/api/v1/errors/projects/:id/releases/:release/sourcemaps",
    tag: "errors",
    access: "write",
    summary: "Upload the source map of one minified file of a release (replaces an earlier one)",
    params: releaseParams,
    query: sourceMapQuery,
    rawBody: "application/json",
    status: 201,
    response: z.object({ sourceMap: sourceMapView }),
  },
  listSourceMaps: {
    method: "GET",
    path: "/api/v1/errors/projects/:id/releases/:release/sourcemaps",
    tag: "errors",
    access: "read",
    summary: "The source maps uploaded for a release",
    params: releaseParams,
    response: z.object({ sourceMaps: z.array(sourceMapView) }),
  },
  listIssues: {
    method: "GET",
    path: "/api/v1/errors/issues",
    tag: "errors",
    access: "read",
    summary: "List issues, filtered and sorted",
    query: issueListQuery,
    response: z.union([
      z.object({ issues: z.array(issueView), total: z.number(), limit: z.number(), offset: z.number() }),
      // `app` names an app without a project yet: nothing to list.
      z.object({ issues: z.array(issueView).length(0), total: z.literal(0), project: z.null() }),
    ]),
  },
  getIssue: {
    method: "GET",
    path: "/api/v1/errors/issues/:id",
    tag: "errors",
    access: "read",
    summary: "An issue with its latest event, tags and events over a period",
    query: z.object({ period: periodSchema.default("24h") }),
    response: z.object({
      issue: issueView,
      project: z.object({ id: z.number(), name: z.string(), appId: z.string().nullable() }).nullable(),
      latestEvent: processedEventSchema.nullable(),
      tags: z.array(tagSummary),
      histogram: histogramView,
    }),
  },
  updateIssue: {
    method: "PATCH",
    path: "/api/v1/errors/issues/:id",
    tag: "errors",
    access: "write",
    summary: "Resolve, ignore or reopen an issue",
    body: updateIssueBody,
    response: z.object({ issue: issueView }),
  },
  bulkUpdateIssues: {
    method: "POST",
    path: "/api/v1/errors/issues/bulk",
    tag: "errors",
    access: "write",
    summary: "Resolve, ignore or reopen several issues at once (ids not found are named, not fatal)",
    body: bulkUpdateIssuesBody,
    response: z.object({ issues: z.array(issueView), notFound: z.array(z.string()) }),
  },
  deleteIssue: {
    method: "DELETE",
    path: "/api/v1/errors/issues/:id",
    tag: "errors",
    access: "write",
    summary: "Delete an issue and its events",
    response: deleted,
  },
  listIssueEvents: {
    method: "GET",
    path: "/api/v1/errors/issues/:id/events",
    tag: "errors",
    access: "read",
    summary: "An issue's events, newest first (page with `before`, a receivedAt)",
    query: z.object({
      limit: z.coerce.number().int().min(1).max(100).default(20),
      before: z.coerce.number().optional(),
    }),
    response: z.object({ events: z.array(eventSummary) }),
  },
  listErrorReplays: {
    method: "GET",
    path: "/api/v1/errors/projects/:id/replays",
    tag: "errors",
    access: "read",
    summary: "A project's session replays, newest first (page with `before`, a startedAt)",
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.coerce.number().optional(),
    }),
    response: z.object({ replays: z.array(replayView) }),
  },
  listIssueReplays: {
    method: "GET",
    path: "/api/v1/errors/issues/:id/replays",
    tag: "errors",
    access: "read",
    summary: "The session replays in which the issue's events happened, newest first",
    query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) }),
    response: z.object({ replays: z.array(replayView) }),
  },
  getErrorReplay: {
    method: "GET",
    path: "/api/v1/errors/projects/:id/replays/:replayId",
    tag: "errors",
    access: "read",
    summary: "A session replay and the issues whose events happened in it",
    params: replayIdParams,
    response: z.object({
      replay: replayView,
      project: z.object({ id: z.number(), name: z.string(), appId: z.string().nullable() }),
      issues: z.array(z.object({ id: z.string(), title: z.string(), level: z.string(), count: z.number() })),
      /** The replay's error events still stored (at most 20), when the SDK says they happened (ms). */
      errors: z.array(z.object({ eventId: z.string(), timestamp: z.number(), title: z.string() })),
    }),
  },
  getErrorReplaySegments: {
    method: "GET",
    path: "/api/v1/errors/projects/:id/replays/:replayId/segments",
    tag: "errors",
    access: "read",
    summary: "A replay's rrweb events by segment, in order, a few MB per page (`after`: the `next` cursor)",
    params: replayIdParams,
    query: z.object({ after: z.coerce.number().int().min(-1).default(-1) }),
    response: z.object({
      segments: z.array(
        z.object({ segmentId: z.number(), receivedAt: z.number(), events: z.array(replayEventView) }),
      ),
      /** Pass as `after` for the next page; null after the last segment. */
      next: z.number().nullable(),
    }),
  },
  deleteErrorReplay: {
    method: "DELETE",
    path: "/api/v1/errors/projects/:id/replays/:replayId",
    tag: "errors",
    access: "write",
    summary: "Delete a session replay and its recording",
    params: replayIdParams,
    response: deleted,
  },
  getErrorSettings: {
    method: "GET",
    path: "/api/v1/errors/settings",
    tag: "errors",
    access: "read",
    summary: "Retention, the event store in use and the tunnel path for browser SDKs",
    response: z.object({
      retentionDays: z.number(),
      replayRetentionDays: z.number(),
      replayMaxBytes: z.number(),
      eventStore: z.enum(["sql", "clickhouse"]),
      tunnelPath: z.string(),
    }),
  },
});
