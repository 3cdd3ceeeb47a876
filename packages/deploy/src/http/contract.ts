import { appNameSchema, defineRoutes, timestamp } from "@pier/http/contract";
import { z } from "zod";
import {
  appStatusSchema,
  branchQuery,
  clampedQueryNumber,
  deploymentStatus,
  envBody,
  environmentName,
  envKeySchema,
  gitRefBody,
  imageBody,
  rollbackBody,
} from "./schemas.ts";

const appParams = z.object({ name: appNameSchema });
const deploymentParams = z.object({ id: z.string().min(1).max(64) });
const uploadQuery = z.object({ branch: branchQuery.optional() });

/** How long each step of a deploy took, in ms; a step the deploy did not have (or has not reached) is absent. */
export const deployTimingsView = z.object({
  /** Waiting behind the running deploy of the same app. */
  queuedMs: z.number().optional(),
  /** Building the image or the static site (or pulling, or reusing, an image). */
  buildMs: z.number().optional(),
  releaseCommandMs: z.number().optional(),
  /** Starting the new replicas. */
  startMs: z.number().optional(),
  /** Until every new replica passed its health check. */
  healthMs: z.number().optional(),
  /** Until every proxy worker routed to the new replicas. */
  switchMs: z.number().optional(),
  /** Draining and stopping the replicas of the release it replaced. */
  drainMs: z.number().optional(),
  /** From the request to live. */
  totalMs: z.number().optional(),
});

export const deploymentView = z.object({
  id: z.string(),
  status: deploymentStatus,
  source: z.enum(["git", "upload", "image", "rollback"]),
  branch: z.string().nullable(),
  commitSha: z.string().nullable(),
  image: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: timestamp(),
  finishedAt: timestamp().nullable(),
  /** The environment's name; null once the environment is gone. */
  environment: z.string().nullable(),
  /** How the release runs: "image" (containers) or "static" (files served by pier). */
  kind: z.string().nullable(),
  url: z.string().nullable(),
  /** Why pier reused an earlier release: "rollback", "restart" after an env change, or "promote" (a preview's release to production). */
  trigger: z.string().nullable(),
  /** The deployment whose release a rollback, restart or promotion reused. */
  basedOn: z.string().nullable(),
  /** The deployment that was live before this one went live (what a rollback took down). */
  replaced: z.string().nullable(),
  /** Who started it: a user's email or a token's name; null when pier did (a restart after an env change). */
  actor: z.string().nullable(),
  /** The commit's author and subject line, for deploys from git. */
  commitAuthor: z.string().nullable(),
  commitMessage: z.string().nullable(),
  timings: deployTimingsView,
  replicas: z.number().int(),
  logTail: z.array(z.string()),
});

const commitView = z.object({ sha: z.string(), author: z.string(), date: z.string(), subject: z.string() });

export const environmentView = z.object({
  name: z.string(),
  kind: z.enum(["production", "preview"]),
  branch: z.string(),
  host: z.string().nullable(),
  url: z.string().nullable(),
  currentDeploymentId: z.string().nullable(),
  /**
   * "live" while replicas serve it, "sleeping" while idle (the next request wakes it), else its
   * current deployment's status, "new" before any.
   */
  status: z.union([deploymentStatus, z.literal("new"), z.literal("sleeping")]),
  replicas: z.number().int(),
  /** Since when it sleeps ([deploy] / [preview] sleep_after); null while awake. */
  sleepingSince: timestamp().nullable(),
  createdAt: timestamp(),
});

export const envVarView = z.object({
  key: z.string(),
  /** Masked for secrets. */
  value: z.string(),
  secret: z.boolean(),
  /** null for every environment. */
  environment: z.string().nullable(),
  updatedAt: timestamp(),
});

export const metricPointView = z.object({
  minute: z.string(),
  requests: z.number().int(),
  status2xx: z.number().int(),
  status3xx: z.number().int(),
  status4xx: z.number().int(),
  status5xx: z.number().int(),
  p50Ms: z.number(),
  p95Ms: z.number(),
  p99Ms: z.number(),
});

/** Every app's requests, 5xx answers, uptime and error events over the last hours. */
export const appsActivityView = z.object({
  hours: z.number().int(),
  /** The width of one request bucket; buckets run oldest first and end with the current one. */
  bucketMinutes: z.number().int(),
  apps: z.array(
    z.object({
      name: z.string(),
      requests: z.array(z.number().int()),
      totalRequests: z.number().int(),
      errors5xx: z.number().int(),
      /** Percent of successful checks of the app's own monitor; null without checks or monitor. */
      uptime: z.number().nullable(),
      monitor: z.enum(["unknown", "up", "retrying", "down", "paused"]).nullable(),
      /** Error events its project received; null when error tracking is not running. */
      errorEvents: z.number().int().nullable(),
    }),
  ),
});

/** A deployment's status changed. */
export const deploymentChangeView = z.object({
  id: z.string(),
  app: z.string(),
  environment: z.string(),
  status: deploymentStatus,
});

const startedDeployment = z.object({ deployment: deploymentView });

/** `pier run` / `pier exec`: the command as a JSON array, the environment, and the terminal. */
const commandQuery = z.object({
  cmd: z
    .string()
    .max(64 * 1024)
    .transform((text, ctx) => {
      const parsed = z
        .array(z.string().max(16 * 1024))
        .min(1)
        .max(1024)
        .safeParse(safeJson(text));
      if (!parsed.success) {
        ctx.addIssue({ code: "custom", message: 'cmd must be a JSON array of strings, e.g. ["bun","repl"]' });
        return z.NEVER;
      }
      return parsed.data;
    }),
  /** "production" (default), "preview:BRANCH", or a preview environment's name. */
  environment: z.string().min(1).max(300).default("production"),
  tty: z.enum(["0", "1"]).default("0"),
  cols: z.coerce.number().int().min(1).max(1000).optional(),
  rows: z.coerce.number().int().min(1).max(1000).optional(),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
const envChange = z.object({
  ok: z.literal(true),
  /** The (first) variable changed; `keys` lists all of them. */
  key: z.string(),
  keys: z.array(z.string()),
  restarting: z.array(z.string()),
});

/** The deploy API: deployments, uploads, rollbacks, environments, env vars, logs and metrics. */
export const deployRoutes = defineRoutes({
  appsOverview: {
    method: "GET",
    path: "/api/v1/apps-overview",
    tag: "apps",
    access: "read",
    summary: "Every app with its status, production release, domains and replicas (the dashboard's list)",
    response: z.object({
      apps: z.array(
        z.object({
          name: z.string(),
          id: z.string(),
          status: appStatusSchema,
          url: z.string(),
          domains: z.array(z.string()),
          currentDeployment: deploymentView.nullable(),
          /** The newest deployment of any environment (running, failed or live). */
          lastDeployment: deploymentView.nullable(),
          replicas: z.number().int(),
          previews: z.number().int(),
          lastDeployAt: timestamp().nullable(),
        }),
      ),
    }),
  },
  appsActivity: {
    method: "GET",
    path: "/api/v1/apps-activity",
    tag: "apps",
    access: "read",
    summary:
      "Every app's last hours (1 to 168, default 24): requests per bucket, 5xx answers, the uptime of its monitor and its error events",
    query: z.object({ hours: clampedQueryNumber({ absent: 24, unreadable: 24, min: 1, max: 168 }) }),
    response: appsActivityView,
  },
  deployEvents: {
    method: "GET",
    path: "/api/v1/deploy-events",
    tag: "deployments",
    access: "read",
    summary:
      "An event stream: `ready` once open, a `deployment` event {id, app, environment, status} at every status change of any app; with ?activity=1 also `activity` events (what GET /api/v1/apps-activity answers for 24 h) when it changed, checked every 10 s",
    query: z.object({ activity: z.enum(["0", "1"]).default("0") }),
    produces: "text/event-stream",
    events: {
      ready: z.object({}),
      deployment: deploymentChangeView,
      activity: appsActivityView,
    },
  },
  listDeployments: {
    method: "GET",
    path: "/api/v1/apps/:name/deployments",
    tag: "deployments",
    access: "read",
    summary:
      "An app's deployments, newest first (limit 1 to 200, default 50); ?environment= for one environment's only",
    params: appParams,
    query: z.object({
      limit: clampedQueryNumber({ absent: 50, unreadable: 50, min: 1, max: 200 }),
      environment: environmentName.default(""),
    }),
    response: z.object({ deployments: z.array(deploymentView) }),
  },
  getDeployment: {
    method: "GET",
    path: "/api/v1/deployments/:id",
    tag: "deployments",
    access: "read",
    appScope: "handler",
    summary: "One deployment",
    params: deploymentParams,
    response: z.object({ deployment: deploymentView }),
  },
  deploymentLog: {
    method: "GET",
    path: "/api/v1/deployments/:id/log",
    tag: "deployments",
    access: "read",
    appScope: "handler",
    summary:
      "A deployment's build and rollout log as text; with ?follow=1 an event stream (`line` events, then one `status`)",
    params: deploymentParams,
    query: z.object({ follow: z.string().optional() }),
    produces: "text/plain",
  },
  deployUpload: {
    method: "POST",
    path: "/api/v1/apps/:name/deploy",
    tag: "deployments",
    access: "deploy",
    summary: "Deploy a build context (a tar or tar.gz of the source, up to 512 MiB); ?branch= for a preview",
    params: appParams,
    query: uploadQuery,
    rawBody: "application/gzip",
    status: 202,
    response: startedDeployment,
  },
  deployStatic: {
    method: "POST",
    path: "/api/v1/apps/:name/deploy/static",
    tag: "deployments",
    access: "deploy",
    summary: "The same upload as POST /api/v1/apps/:name/deploy (a static site is told by its pier.toml)",
    params: appParams,
    query: uploadQuery,
    rawBody: "application/gzip",
    status: 202,
    response: startedDeployment,
  },
  deployImage: {
    method: "POST",
    path: "/api/v1/apps/:name/deploy/image",
    tag: "deployments",
    access: "deploy",
    summary: "Deploy a prebuilt image (pulled unless present)",
    params: appParams,
    body: imageBody,
    status: 202,
    response: startedDeployment,
  },
  deployGitRef: {
    method: "POST",
    path: "/api/v1/apps/:name/deploy/git",
    tag: "deployments",
    access: "deploy",
    summary:
      "Deploy a branch or commit that was pushed (default: the production branch's head): a redeploy without a new push",
    params: appParams,
    body: gitRefBody,
    bodyOptional: true,
    status: 202,
    response: startedDeployment,
  },
  cancelDeployment: {
    method: "POST",
    path: "/api/v1/deployments/:id/cancel",
    tag: "deployments",
    access: "deploy",
    appScope: "handler",
    summary:
      "Cancel a deploy that has not begun to switch traffic (409 once it has, or when it is over); the previous release keeps serving",
    params: deploymentParams,
    status: 202,
    response: z.object({ deployment: deploymentView }),
  },
  compareDeployments: {
    method: "GET",
    path: "/api/v1/apps/:name/compare",
    tag: "deployments",
    access: "read",
    summary:
      "What changed between two deployments of an app: commits (ahead: in `to` only, behind: in `from` only, up to 100 each), env vars set, added or removed (names only), image",
    params: appParams,
    query: z.object({ from: z.string().min(1).max(64), to: z.string().min(1).max(64) }),
    response: z.object({
      from: deploymentView,
      to: deploymentView,
      /** null when a side has no commit or the repository is gone. */
      commits: z.object({ ahead: z.array(commitView), behind: z.array(commitView) }).nullable(),
      /** null when a side was recorded before pier kept env versions. */
      env: z
        .object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) })
        .nullable(),
      imageChanged: z.boolean(),
    }),
  },
  listRefs: {
    method: "GET",
    path: "/api/v1/apps/:name/refs",
    tag: "deployments",
    access: "read",
    summary:
      "Branches pushed to the app's repository with their head commits, newest first (what can be deployed)",
    params: appParams,
    response: z.object({
      defaultBranch: z.string(),
      branches: z.array(commitView.extend({ branch: z.string() })),
    }),
  },
  rollback: {
    method: "POST",
    path: "/api/v1/apps/:name/rollback",
    tag: "deployments",
    access: "deploy",
    summary: "Put an earlier production release back live (default: the previous one); an empty body works",
    params: appParams,
    body: rollbackBody,
    bodyOptional: true,
    status: 202,
    response: startedDeployment,
  },
  listEnvironments: {
    method: "GET",
    path: "/api/v1/apps/:name/environments",
    tag: "deployments",
    access: "read",
    summary: "An app's production and preview environments",
    params: appParams,
    response: z.object({ environments: z.array(environmentView) }),
  },
  wakeEnvironment: {
    method: "POST",
    path: "/api/v1/apps/:name/environments/:environment/wake",
    tag: "deployments",
    access: "deploy",
    summary:
      "Wake a sleeping environment: its release started, health-checked and routed; answers once it serves (at once when awake)",
    params: z.object({ name: appNameSchema, environment: environmentName }),
    response: z.object({ environment: environmentView, wokeInMs: z.number().int() }),
  },
  promoteEnvironment: {
    method: "POST",
    path: "/api/v1/apps/:name/environments/:environment/promote",
    tag: "deployments",
    access: "deploy",
    summary:
      "Deploy a preview's current release to production (the same build, production's env vars, its release command run again)",
    params: z.object({ name: appNameSchema, environment: environmentName }),
    status: 202,
    response: startedDeployment,
  },
  runCommand: {
    method: "GET",
    path: "/api/v1/apps/:name/run",
    tag: "apps",
    access: "deploy",
    summary:
      "WebSocket: run a command in a one-off container of the current release (pier run); binary messages are stdin and, prefixed with 1 or 2, stdout and stderr; JSON messages eof, resize, exit",
    params: appParams,
    query: commandQuery,
    produces: "application/vnd.pier.command-session",
  },
  execCommand: {
    method: "GET",
    path: "/api/v1/apps/:name/exec",
    tag: "apps",
    access: "deploy",
    summary: "WebSocket: run a command inside a running replica (pier exec); the protocol of /run",
    params: appParams,
    query: commandQuery.extend({ replica: z.coerce.number().int().min(1).max(32).default(1) }),
    produces: "application/vnd.pier.command-session",
  },
  listEnv: {
    method: "GET",
    path: "/api/v1/apps/:name/env",
    tag: "apps",
    access: "read",
    summary: "An app's env vars (secret values masked)",
    params: appParams,
    response: z.object({ env: z.array(envVarView) }),
  },
  setEnv: {
    method: "PUT",
    path: "/api/v1/apps/:name/env",
    tag: "apps",
    access: "write",
    summary:
      "Set env vars, one (key, value) or several together (vars), encrypted at rest; running replicas of the environment restart once",
    params: appParams,
    body: envBody,
    response: envChange,
  },
  unsetEnv: {
    method: "DELETE",
    path: "/api/v1/apps/:name/env/:key",
    tag: "apps",
    access: "write",
    summary: "Remove an env var (?environment= for an override); running replicas restart",
    params: z.object({ name: appNameSchema, key: envKeySchema }),
    query: z.object({ environment: environmentName.default("") }),
    response: envChange,
  },
  appLogs: {
    method: "GET",
    path: "/api/v1/apps/:name/logs",
    tag: "apps",
    access: "read",
    summary: "Container logs of every replica as an event stream of `log` events (tail 0 to 5000, ?follow=1)",
    params: appParams,
    query: z.object({
      tail: clampedQueryNumber({ absent: 200, unreadable: 0, min: 0, max: 5000 }),
      follow: z.string().optional(),
    }),
    produces: "text/event-stream",
  },
  appMetrics: {
    method: "GET",
    path: "/api/v1/apps/:name/metrics",
    tag: "apps",
    access: "read",
    summary: "Requests per minute by status class with latency percentiles (minutes 1 to 10080, default 60)",
    params: appParams,
    query: z.object({
      minutes: clampedQueryNumber({ absent: 60, unreadable: 60, min: 1, max: 7 * 24 * 60 }),
    }),
    response: z.object({ points: z.array(metricPointView) }),
  },
});
