import { NotFoundError, PierError } from "@pier/core";
import { type ApiEnv, findAppOr404, readBody, readParam, requireScope } from "@pier/http";
import type { PierContext } from "@pier/platform";
import { Hono } from "hono";
import { z } from "zod";
import type { AppProjects } from "../app-projects.ts";
import { type ErrorsService, issueJson } from "../service.ts";
import { MAX_SOURCE_MAP_BYTES } from "../sourcemaps/store.ts";
import type { ProjectRow } from "../store/tables.ts";

const idParam = z.coerce.number().int().positive();
const periods = {
  "1h": [3600_000, 60_000],
  "24h": [86_400_000, 3600_000],
  "14d": [14 * 86_400_000, 86_400_000],
  "30d": [30 * 86_400_000, 86_400_000],
} as const;

const createProjectBody = z.strictObject({
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
});
const updateProjectBody = createProjectBody.partial();

const issueQuery = z.object({
  project: idParam.optional(),
  app: z.string().optional(),
  status: z.enum(["unresolved", "resolved", "ignored"]).optional(),
  environment: z.string().max(64).optional(),
  release: z.string().max(200).optional(),
  query: z.string().max(200).optional(),
  sort: z.enum(["lastSeen", "firstSeen", "count", "users"]).default("lastSeen"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const updateIssueBody = z.object({
  status: z.enum(["unresolved", "resolved", "ignored"]),
  /** Defaults to the issue's latest release: later releases regress it. */
  resolvedInRelease: z.string().max(200).nullable().optional(),
});

function query(c: { req: { query(): Record<string, string> } }) {
  return c.req.query();
}

/** `/api/v1/errors/...`: projects and DSNs, issues, events. Documented in packages/errors/README.md. */
export function errorsApi(ctx: PierContext, service: ErrorsService, appProjects: AppProjects): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.use("*", ctx.authenticate);

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
  async function sealChanges(body: z.infer<typeof updateProjectBody>) {
    const { webhookSecret, ...rest } = body;
    return {
      ...rest,
      ...(webhookSecret === undefined
        ? {}
        : {
            webhookSecretSealed: webhookSecret === null ? null : await ctx.secretBox.encrypt(webhookSecret),
          }),
    };
  }

  api.get("/projects", requireScope("read"), async (c) => {
    const projects = await service.projects.list();
    return c.json({ projects: await Promise.all(projects.map((p) => appProjects.describe(p))) });
  });
  api.post("/projects", requireScope("write"), async (c) => {
    const body = await readBody(c, createProjectBody);
    if (await service.projects.byName(body.name)) {
      return c.json(
        { error: { code: "conflict", message: `A project named "${body.name}" exists already.` } },
        409,
      );
    }
    const created = await service.projects.create(body);
    const project = await service.projects.update(created.id, await sealChanges(body));
    return c.json({ project: await appProjects.describe(project ?? created) }, 201);
  });
  api.get("/projects/:id", requireScope("read"), async (c) => {
    return c.json({ project: await appProjects.describe(await projectOr404(c.req.param("id"))) });
  });
  api.patch("/projects/:id", requireScope("write"), async (c) => {
    const project = await projectOr404(c.req.param("id"));
    const updated = await service.projects.update(
      project.id,
      await sealChanges(await readBody(c, updateProjectBody)),
    );
    return c.json({ project: await appProjects.describe(updated ?? project) });
  });
  api.post("/projects/:id/rotate-key", requireScope("write"), async (c) => {
    const project = await projectOr404(c.req.param("id"));
    const updated = await service.projects.rotateKey(project.id);
    return c.json({ project: await appProjects.describe(updated ?? project) });
  });
  api.delete("/projects/:id", requireScope("write"), async (c) => {
    const project = await projectOr404(c.req.param("id"));
    await service.deleteProject(project);
    return c.json({ deleted: true });
  });
  api.put("/apps/:name/project", requireScope("write"), async (c) => {
    const app = await findAppOr404(ctx.stores, c.req.param("name"));
    return c.json({ project: await appProjects.describe(await appProjects.ensure(app)) });
  });
  api.get("/projects/:id/events/:eventId", requireScope("read"), async (c) => {
    const project = await projectOr404(c.req.param("id"));
    await service.settled();
    const event = await service.event(project.id, c.req.param("eventId"));
    if (!event) throw new NotFoundError("Event", c.req.param("eventId"));
    return c.json({ event });
  });

  // Source maps per release, for frames of minified code (`pier errors sourcemaps`). `file` names
  // the minified file as stack frames do: `~/static/app.min.js` for any origin, or an exact path.
  const sourceMapFile = z.string().min(1, "file is required (e.g. ~/static/app.min.js)").max(2000);
  const releaseParam = z.string().min(1).max(200);
  api.put("/projects/:id/releases/:release/sourcemaps", requireScope("write"), async (c) => {
    const project = await projectOr404(c.req.param("id"));
    const release = readParam(c.req.param("release"), releaseParam, "release");
    const file = readParam(c.req.query("file") ?? "", sourceMapFile, "file");
    if (!service.sourceMaps) throw new PierError("source_maps_disabled", "Source maps are not enabled.", 409);
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > MAX_SOURCE_MAP_BYTES)
      throw new PierError(
        "payload_too_large",
        `Source maps are limited to ${MAX_SOURCE_MAP_BYTES} bytes.`,
        413,
      );
    const stored = await service.sourceMaps.put(project.id, release, file, await c.req.text());
    return c.json({ sourceMap: stored }, 201);
  });
  api.get("/projects/:id/releases/:release/sourcemaps", requireScope("read"), async (c) => {
    const project = await projectOr404(c.req.param("id"));
    const release = readParam(c.req.param("release"), releaseParam, "release");
    return c.json({ sourceMaps: (await service.sourceMaps?.list(project.id, release)) ?? [] });
  });

  api.get("/issues", requireScope("read"), async (c) => {
    const q = issueQuery.parse(query(c));
    let projectId = q.project;
    if (q.app !== undefined) {
      const app = await findAppOr404(ctx.stores, q.app);
      const project = await service.projects.byApp(app.id);
      if (!project) return c.json({ issues: [], total: 0, project: null });
      projectId = project.id;
    }
    await service.settled();
    const { issues, total } = await service.issues.list({ ...q, projectId });
    return c.json({ issues: issues.map(issueJson), total, limit: q.limit, offset: q.offset });
  });
  api.get("/issues/:id", requireScope("read"), async (c) => {
    const issue = await issueOr404(c.req.param("id"));
    const period = z.enum(["1h", "24h", "14d", "30d"]).default("24h").parse(c.req.query("period"));
    const [span, bucketMs] = periods[period];
    const since = Math.floor((Date.now() - span) / bucketMs) * bucketMs + bucketMs;
    const [latestEvent, tags, buckets, project] = await Promise.all([
      service.latestEvent(issue),
      service.issues.tags(issue.id),
      service.events.histogram(issue.id, since, bucketMs),
      service.projects.get(issue.projectId),
    ]);
    return c.json({
      issue: issueJson(issue),
      project: project ? { id: project.id, name: project.name, appId: project.appId } : null,
      latestEvent,
      tags,
      histogram: { period, bucketMs, since, buckets },
    });
  });
  api.patch("/issues/:id", requireScope("write"), async (c) => {
    const issue = await issueOr404(c.req.param("id"));
    const body = await readBody(c, updateIssueBody);
    const updated = await service.setStatus(issue, body.status, body.resolvedInRelease);
    return c.json({ issue: issueJson(updated) });
  });
  api.delete("/issues/:id", requireScope("write"), async (c) => {
    await service.deleteIssue(await issueOr404(c.req.param("id")));
    return c.json({ deleted: true });
  });
  api.get("/issues/:id/events", requireScope("read"), async (c) => {
    const issue = await issueOr404(c.req.param("id"));
    const q = z
      .object({
        limit: z.coerce.number().int().min(1).max(100).default(20),
        before: z.coerce.number().optional(),
      })
      .parse(query(c));
    return c.json({ events: await service.events.list(issue.id, q.limit, q.before) });
  });
  api.get("/settings", requireScope("read"), (c) =>
    c.json({
      retentionDays: service.retentionDays,
      eventStore: service.events.kind,
      tunnelPath: "/_pier/errors/tunnel",
    }),
  );
  return api;
}
