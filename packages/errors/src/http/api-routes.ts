import { ConflictError, NotFoundError, PierError } from "@pier/core";
import { type ApiEnv, findAppOr404, readParam, routeGroup, serveRoute } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { z } from "zod";
import type { AppProjects } from "../app-projects.ts";
import type { ReplayRow } from "../replays/replay-row.ts";
import { type ErrorsService, issueJson } from "../service.ts";
import { MAX_SOURCE_MAP_BYTES } from "../sourcemaps/store.ts";
import type { ProjectRow } from "../store/tables.ts";
import { errorsRoutes, type ProjectChanges } from "./contract.ts";

const idParam = z.coerce.number().int().positive();
const periods = {
  "1h": [3600_000, 60_000],
  "24h": [86_400_000, 3600_000],
  "14d": [14 * 86_400_000, 86_400_000],
  "30d": [30 * 86_400_000, 86_400_000],
} as const;

/** `/api/v1/errors/...`: projects and DSNs, issues, events. Documented in packages/errors/README.md. */
export function errorsApi(ctx: PierContext, service: ErrorsService, appProjects: AppProjects): Hono<ApiEnv> {
  const group = routeGroup("/api/v1/errors", ctx.authenticate);
  const routes = errorsRoutes;

  async function projectOr404(raw: string): Promise<ProjectRow> {
    const project = await service.projects.get(readParam(raw, idParam, "project id"));
    if (!project) throw new NotFoundError("Error-tracking project", raw);
    return project;
  }
  async function issueOr404(id: string) {
    await service.settled();
    const issue = await service.issues.get(id);
    if (!issue) throw new NotFoundError("Issue", id);
    return issue;
  }
  async function sealChanges(body: ProjectChanges) {
    const { webhookSecret, scrubbing, ...rest } = body;
    return {
      ...rest,
      ...(scrubbing?.enabled === undefined ? {} : { scrubData: scrubbing.enabled }),
      ...(scrubbing?.fields === undefined ? {} : { scrubFields: scrubbing.fields }),
      ...(scrubbing?.dropIp === undefined ? {} : { scrubIp: scrubbing.dropIp }),
      ...(webhookSecret === undefined
        ? {}
        : {
            webhookSecretSealed: webhookSecret === null ? null : await ctx.secretBox.encrypt(webhookSecret),
          }),
    };
  }

  serveRoute(group, routes.listErrorProjects, async () => {
    const projects = await service.projects.list();
    return { projects: await Promise.all(projects.map((p) => appProjects.describe(p))) };
  });
  serveRoute(group, routes.createErrorProject, async ({ body }) => {
    if (await service.projects.byName(body.name))
      throw new ConflictError(`A project named "${body.name}" exists already.`);
    const created = await service.projects.create(body);
    const project = await service.projects.update(created.id, await sealChanges(body));
    return { project: await appProjects.describe(project ?? created) };
  });
  serveRoute(group, routes.getErrorProject, async ({ params }) => ({
    project: await appProjects.describe(await projectOr404(params.id)),
  }));
  serveRoute(group, routes.updateErrorProject, async ({ params, body }) => {
    const project = await projectOr404(params.id);
    const updated = await service.projects.update(project.id, await sealChanges(body));
    return { project: await appProjects.describe(updated ?? project) };
  });
  serveRoute(group, routes.rotateErrorProjectKey, async ({ params }) => {
    const project = await projectOr404(params.id);
    const updated = await service.projects.rotateKey(project.id);
    return { project: await appProjects.describe(updated ?? project) };
  });
  serveRoute(group, routes.deleteErrorProject, async ({ params }) => {
    await service.deleteProject(await projectOr404(params.id));
    return { deleted: true as const };
  });
  serveRoute(group, routes.ensureAppErrorProject, async ({ params }) => {
    const app = await findAppOr404(ctx.stores, params.name);
    return { project: await appProjects.describe(await appProjects.ensure(app)) };
  });
  serveRoute(group, routes.getErrorEvent, async ({ params }) => {
    const project = await projectOr404(params.id);
    await service.settled();
    const event = await service.event(project.id, params.eventId);
    if (!event) throw new NotFoundError("Event", params.eventId);
    return { event, issueId: await service.issueOfEvent(project.id, params.eventId) };
  });

  // Source maps per release, for frames of minified code (`pier errors sourcemaps`).
  serveRoute(group, routes.uploadSourceMap, async ({ params, query }, c) => {
    const project = await projectOr404(params.id);
    if (!service.sourceMaps) throw new PierError("source_maps_disabled", "Source maps are not enabled.", 409);
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > MAX_SOURCE_MAP_BYTES)
      throw new PierError(
        "payload_too_large",
        `Source maps are limited to ${MAX_SOURCE_MAP_BYTES} bytes.`,
        413,
      );
    const stored = await service.sourceMaps.put(project.id, params.release, query.file, await c.req.text());
    return { sourceMap: stored };
  });
  serveRoute(group, routes.listSourceMaps, async ({ params }) => {
    const project = await projectOr404(params.id);
    return { sourceMaps: (await service.sourceMaps?.list(project.id, params.release)) ?? [] };
  });

  serveRoute(group, routes.listIssues, async ({ query }) => {
    let projectId = query.project;
    if (query.app !== undefined) {
      const app = await findAppOr404(ctx.stores, query.app);
      const project = await service.projects.byApp(app.id);
      if (!project) return { issues: [], total: 0 as const, project: null };
      projectId = project.id;
    }
    await service.settled();
    const { issues, total } = await service.issues.list({ ...query, projectId });
    return { issues: issues.map(issueJson), total, limit: query.limit, offset: query.offset };
  });
  serveRoute(group, routes.getIssue, async ({ params, query }) => {
    const issue = await issueOr404(params.id);
    const [span, bucketMs] = periods[query.period];
    const since = Math.floor((Date.now() - span) / bucketMs) * bucketMs + bucketMs;
    const [latestEvent, tags, buckets, project] = await Promise.all([
      service.latestEvent(issue),
      service.issues.tags(issue.id),
      service.events.histogram(issue.id, since, bucketMs),
      service.projects.get(issue.projectId),
    ]);
    return {
      issue: issueJson(issue),
      project: project ? { id: project.id, name: project.name, appId: project.appId } : null,
      latestEvent,
      tags,
      histogram: { period: query.period, bucketMs, since, buckets },
    };
  });
  serveRoute(group, routes.updateIssue, async ({ params, body }) => {
    const issue = await issueOr404(params.id);
    const updated = await service.setStatus(issue, body.status, body.resolvedInRelease);
    return { issue: issueJson(updated) };
  });
  serveRoute(group, routes.bulkUpdateIssues, async ({ body }) => {
    const issues = [];
    const notFound: string[] = [];
    for (const id of new Set(body.ids)) {
      const issue = await service.issues.get(id);
      if (issue) issues.push(issueJson(await service.setStatus(issue, body.status)));
      else notFound.push(id);
    }
    return { issues, notFound };
  });
  serveRoute(group, routes.deleteIssue, async ({ params }) => {
    await service.deleteIssue(await issueOr404(params.id));
    return { deleted: true as const };
  });
  serveRoute(group, routes.listIssueEvents, async ({ params, query }) => {
    const issue = await issueOr404(params.id);
    return { events: await service.events.list(issue.id, query.limit, query.before) };
  });
  // Session replays: stored per project, linked to issues through their events' replayId tag.
  async function replayOr404(project: ProjectRow, replayId: string): Promise<ReplayRow> {
    const replay = await service.replays.get(project.id, replayId);
    if (!replay) throw new NotFoundError("Replay", replayId);
    return replay;
  }
  serveRoute(group, routes.listErrorReplays, async ({ params, query }) => {
    const project = await projectOr404(params.id);
    return { replays: (await service.replays.list(project.id, query.limit, query.before)).map(replayJson) };
  });
  serveRoute(group, routes.listIssueReplays, async ({ params, query }) => {
    const issue = await issueOr404(params.id);
    const replays = await service.replays.listForIssue(issue.projectId, issue.id, query.limit);
    return { replays: replays.map(replayJson) };
  });
  serveRoute(group, routes.getErrorReplay, async ({ params }) => {
    const project = await projectOr404(params.id);
    const replay = await replayOr404(project, params.replayId);
    await service.settled();
    const issues = await service.replays.issuesOf(project.id, replay.replayId);
    // Where the player marks the errors: the SDK's clock, the same one the recording's events use.
    const events = await Promise.all(
      replay.errorIds.slice(0, 20).map((eventId) => service.event(project.id, eventId)),
    );
    const errors = events
      .filter((event) => event !== null)
      .map((event) => {
        const thrown = event.exceptions.at(-1);
        const title = thrown
          ? `${thrown.type ?? "Error"}${thrown.value ? `: ${thrown.value}` : ""}`
          : (event.message ?? "event");
        return { eventId: event.eventId, timestamp: event.timestamp, title: title.slice(0, 200) };
      })
      .sort((a, b) => a.timestamp - b.timestamp);
    return {
      replay: replayJson(replay),
      project: { id: project.id, name: project.name, appId: project.appId },
      issues,
      errors,
    };
  });
  serveRoute(group, routes.getErrorReplaySegments, async ({ params, query }) => {
    const project = await projectOr404(params.id);
    const replay = await replayOr404(project, params.replayId);
    // A page holds about 2 MB of stored (compressed) recording: tens of MB of rrweb JSON at most.
    return service.replays.segments(project.id, replay.replayId, query.after, 2 * 1024 * 1024);
  });
  serveRoute(group, routes.deleteErrorReplay, async ({ params }) => {
    const project = await projectOr404(params.id);
    if (!(await service.replays.delete(project.id, params.replayId)))
      throw new NotFoundError("Replay", params.replayId);
    return { deleted: true as const };
  });
  serveRoute(group, routes.getErrorSettings, () => ({
    retentionDays: service.retentionDays,
    replayRetentionDays: service.replayRetentionDays,
    replayMaxBytes: service.replayLimits.maxBytesPerReplay,
    eventStore: service.events.kind,
    tunnelPath: "/_pier/errors/tunnel",
  }));
  return group.app;
}

/** The API's view of a replay row (dates as epoch ms). */
function replayJson(replay: ReplayRow) {
  return {
    replayId: replay.replayId,
    projectId: replay.projectId,
    startedAt: replay.startedAt.getTime(),
    endedAt: replay.endedAt.getTime(),
    durationMs: replay.endedAt.getTime() - replay.startedAt.getTime(),
    lastReceivedAt: replay.lastReceivedAt.getTime(),
    replayType: replay.replayType,
    segments: replay.segments,
    bytes: replay.bytes,
    truncated: replay.truncated,
    release: replay.release,
    environment: replay.environment,
    platform: replay.platform,
    user: replay.userLabel,
    browser: replay.browser,
    os: replay.os,
    urls: replay.urls,
    errorIds: replay.errorIds,
    traceIds: replay.traceIds,
  };
}
