import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError, PierError, ValidationError } from "@pier/core";
import { type ApiEnv, findAppOr404, readBody, readParam, rejectNulInUrl, requireScope } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type Docker from "dockerode";
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { streamAppLogs } from "../engine/app-logs.ts";
import type { DeployLogs } from "../engine/deploy-log.ts";
import type { DeployEngine } from "../engine/engine.ts";
import { envKeySchema, listEnvVars, reservedEnvKeys } from "../engine/env-vars.ts";
import { targetEnvironment } from "../engine/environments.ts";
import { mergeMetricRows } from "../engine/metrics.ts";
import { type OperationDeps, restartForEnvChange, rollback } from "../engine/operations.ts";
import type { ServingTable } from "../engine/serving.ts";
import { appStatus, environmentsById, presentDeployment, presentEnvironment } from "./presenters.ts";
import { sseResponse } from "./sse.ts";

export interface DeployApiDeps extends OperationDeps {
  ctx: PierContext;
  engine: DeployEngine;
  serving: ServingTable;
  logs: DeployLogs;
  liveUrl(host: string): string;
  docker: () => Docker;
  instance: string;
}

/** Uploaded build contexts; larger trees belong in git or an image. */
const maxUploadBytes = 512 * 1024 * 1024;

const imageBody = z.strictObject({
  image: z.string().min(1).max(512),
  port: z.int().min(1).max(65535).optional(),
  branch: z.string().min(1).max(200).optional(),
});
/** "" for every environment, else "production" or a preview slug: a DNS label (previewSlug). */
const environmentName = z
  .string()
  .max(63)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)?$/,
    'an environment is "production" or a preview name: lowercase letters, digits and hyphens',
  );
const rollbackBody = z.strictObject({ to: z.string().min(1).max(64).optional() });
const envBody = z.strictObject({
  key: envKeySchema,
  value: z.string().max(64 * 1024),
  secret: z.boolean().default(true),
  environment: environmentName.default(""),
});
const branchParam = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s~^:?*[\\]+$/, "not a valid branch name");

/**
 * The deploy API. Served from a raw handler in front of the core API (see deploy.ts): uploads
 * are bigger than the core API's body limit, and the deployments list adds fields to a core route.
 */
export function createDeployApi(deps: DeployApiDeps): Hono<ApiEnv> {
  const { ctx, engine } = deps;
  const { stores } = ctx;
  const api = new Hono<ApiEnv>();
  api.use("*", rejectNulInUrl);
  const auth = ctx.authenticate;
  const app = (c: Context) => findAppOr404(ctx.stores, c.req.param("name") ?? "");

  api.get("/api/v1/apps-overview", auth, requireScope("read"), async (c) => {
    const domains = await stores.domains.listAll();
    const apps = await Promise.all(
      (await stores.apps.list()).map(async (row) => {
        const deployments = await stores.deployments.listForApp(row.id, 20);
        const environments = await stores.environments.listForApp(row.id);
        const production = environments.find((e) => e.kind === "production");
        const served = deps.serving.get(row.name, "production");
        const current = deployments.find((d) => d.id === production?.currentDeploymentId);
        const byId = environmentsById(environments);
        return {
          name: row.name,
          id: row.id,
          status: appStatus(deployments, Boolean(served?.upstreams.length)),
          url: production?.host
            ? deps.liveUrl(production.host)
            : deps.liveUrl(`${row.name}.${ctx.config.baseDomain}`),
          domains: domains.filter((d) => d.appId === row.id).map((d) => d.host),
          currentDeployment: current ? presentDeployment(current, byId) : null,
          replicas: served?.upstreams.length ?? 0,
          previews: environments.filter((e) => e.kind === "preview").length,
          lastDeployAt: deployments[0]?.createdAt ?? null,
        };
      }),
    );
    return c.json({ apps });
  });

  api.get("/api/v1/apps/:name/deployments", auth, requireScope("read"), async (c) => {
    const row = await app(c);
    const limit = Math.min(200, Math.max(1, Number(c.req.query("limit") ?? 50) || 50));
    const byId = environmentsById(await stores.environments.listForApp(row.id));
    const deployments = await stores.deployments.listForApp(row.id, limit);
    return c.json({ deployments: deployments.map((d) => presentDeployment(d, byId)) });
  });

  api.get("/api/v1/deployments/:id", auth, requireScope("read"), async (c) => {
    const row = await findDeployment(deps, c.req.param("id"));
    const byId = environmentsById(await stores.environments.listForApp(row.appId));
    return c.json({ deployment: presentDeployment(row, byId) });
  });

  api.get("/api/v1/deployments/:id/log", auth, requireScope("read"), async (c) => {
    const row = await findDeployment(deps, c.req.param("id"));
    if (!c.req.query("follow")) {
      return new Response(await deps.logs.read(row.id), {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const running = deps.logs.running(row.id);
    return sseResponse(c.req.raw.signal, async (send, closed) => {
      if (!running) {
        for (const line of (await deps.logs.read(row.id)).split("\n").slice(0, -1)) send("line", line);
        const latest = await stores.deployments.findById(row.id);
        send("status", JSON.stringify({ status: latest?.status, error: latest?.error ?? null }));
        return;
      }
      await new Promise<void>((resolve) => {
        const stop = running.follow({
          line: (line) => send("line", line),
          end: (result) => {
            send("status", JSON.stringify(result));
            resolve();
          },
        });
        closed.addEventListener("abort", () => {
          stop();
          resolve();
        });
      });
    });
  });

  const upload = async (c: Context<ApiEnv>) => {
    const row = await app(c);
    const branchQuery = c.req.query("branch");
    const branch = branchQuery ? readParam(branchQuery, branchParam, "branch") : null;
    const request = c.req.raw;
    if (!request.body) throw new ValidationError("Send the build context as a tar.gz request body.");
    const declared = Number(request.headers.get("content-length") ?? 0);
    if (declared > maxUploadBytes) throw tooLarge();
    const dir = join(ctx.config.dataDir, "uploads");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tarPath = join(dir, `${crypto.randomUUID()}.tar.gz`);
    const writer = Bun.file(tarPath).writer();
    let bytes = 0;
    let head = new Uint8Array(0);
    try {
      for await (const chunk of request.body) {
        // Anything but an archive (a JSON body, a form) would only fail later, in the build.
        if (head.length < archiveHeadBytes) {
          head = new Uint8Array([...head, ...chunk.subarray(0, archiveHeadBytes - head.length)]);
          if (head.length === archiveHeadBytes && !looksLikeArchive(head)) throw notAnArchive();
        }
        bytes += chunk.byteLength;
        if (bytes > maxUploadBytes) throw tooLarge();
        writer.write(chunk);
      }
      await writer.end();
    } catch (error) {
      await writer.end();
      await rm(tarPath, { force: true });
      throw error;
    }
    if (bytes === 0) {
      await rm(tarPath, { force: true });
      throw new ValidationError("The uploaded build context is empty.");
    }
    if (!looksLikeArchive(head)) {
      await rm(tarPath, { force: true });
      throw notAnArchive();
    }
    const target = targetEnvironment(row, branch, ctx.config.baseDomain);
    const started = await engine.start(row, target, { kind: "upload", tarPath, branch });
    return c.json({ deployment: await presentStarted(deps, started.deployment.id) }, 202);
  };
  api.post("/api/v1/apps/:name/deploy", auth, requireScope("deploy"), upload);
  api.post("/api/v1/apps/:name/deploy/static", auth, requireScope("deploy"), upload);

  api.post("/api/v1/apps/:name/deploy/image", auth, requireScope("deploy"), async (c) => {
    const row = await app(c);
    const body = await readBody(c, imageBody);
    const target = targetEnvironment(row, body.branch, ctx.config.baseDomain);
    const started = await engine.start(row, target, { kind: "image", image: body.image, port: body.port });
    return c.json({ deployment: await presentStarted(deps, started.deployment.id) }, 202);
  });

  api.post("/api/v1/apps/:name/rollback", auth, requireScope("deploy"), async (c) => {
    const row = await app(c);
    const text = await c.req.text();
    const body = text.trim() ? rollbackBody.parse(JSON.parse(text)) : {};
    const started = await rollback(deps, row, body.to);
    return c.json({ deployment: await presentStarted(deps, started.deployment.id) }, 202);
  });

  api.get("/api/v1/apps/:name/environments", auth, requireScope("read"), async (c) => {
    const row = await app(c);
    const environments = await stores.environments.listForApp(row.id);
    return c.json({
      environments: await Promise.all(
        environments.map(async (e) => {
          const current = e.currentDeploymentId
            ? await stores.deployments.findById(e.currentDeploymentId)
            : undefined;
          return presentEnvironment(
            e,
            deps.serving.get(row.name, e.name),
            current,
            e.host ? deps.liveUrl(e.host) : null,
          );
        }),
      ),
    });
  });

  api.get("/api/v1/apps/:name/env", auth, requireScope("read"), async (c) => {
    const row = await app(c);
    const env = await listEnvVars(stores, ctx.secretBox, row.id);
    return c.json({ env: env.map((e) => ({ ...e, environment: e.environment || null })) });
  });

  api.put("/api/v1/apps/:name/env", auth, requireScope("write"), async (c) => {
    const row = await app(c);
    const body = await readBody(c, envBody);
    if (reservedEnvKeys.has(body.key))
      throw new ValidationError(`${body.key} is set by pier for every replica.`);
    await stores.envVars.set({
      appId: row.id,
      environment: body.environment,
      key: body.key,
      valueSealed: await ctx.secretBox.encrypt(body.value),
      secret: body.secret,
    });
    const restarts = await restartForEnvChange(deps, row, body.environment);
    return c.json({ ok: true, key: body.key, restarting: restarts.map((r) => r.deployment.id) });
  });

  api.delete("/api/v1/apps/:name/env/:key", auth, requireScope("write"), async (c) => {
    const row = await app(c);
    const key = readParam(c.req.param("key"), envKeySchema, "key");
    const environment = readParam(c.req.query("environment") ?? "", environmentName, "environment");
    if (!(await stores.envVars.remove(row.id, environment, key))) throw new NotFoundError("Env var", key);
    const restarts = await restartForEnvChange(deps, row, environment);
    return c.json({ ok: true, key, restarting: restarts.map((r) => r.deployment.id) });
  });

  api.get("/api/v1/apps/:name/logs", auth, requireScope("read"), async (c) => {
    const row = await app(c);
    const tail = Math.min(5000, Math.max(0, Number(c.req.query("tail") ?? 200) || 0));
    const follow = c.req.query("follow") === "1" || c.req.query("follow") === "true";
    return sseResponse(c.req.raw.signal, (send, closed) =>
      streamAppLogs(
        deps.docker(),
        { app: row.name, instance: deps.instance },
        { tail, follow, signal: closed },
        (entry) => send("log", JSON.stringify(entry)),
      ),
    );
  });

  api.get("/api/v1/apps/:name/metrics", auth, requireScope("read"), async (c) => {
    const row = await app(c);
    const minutes = Math.min(7 * 24 * 60, Math.max(1, Number(c.req.query("minutes") ?? 60) || 60));
    const from = new Date(Date.now() - minutes * 60_000);
    return c.json({ points: mergeMetricRows(await stores.requestMetrics.since(row.id, from)) });
  });

  return api;
}

async function findDeployment(deps: DeployApiDeps, rawId: string | undefined) {
  const id = readParam(rawId ?? "", z.string().min(1).max(64), "deployment id");
  const row = await deps.ctx.stores.deployments.findById(id);
  if (!row) throw new NotFoundError("Deployment", id);
  return row;
}

async function presentStarted(deps: DeployApiDeps, id: string) {
  const row = await deps.ctx.stores.deployments.findById(id);
  const byId = environmentsById(await deps.ctx.stores.environments.listForApp(row!.appId));
  return presentDeployment(row!, byId);
}

/** gzip starts with 1f 8b; a POSIX tar has "ustar" at byte 257 of its first header. */
const archiveHeadBytes = 262;
function looksLikeArchive(head: Uint8Array): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
}

function notAnArchive(): ValidationError {
  return new ValidationError(
    "The build context must be a tar or tar.gz archive (e.g. the output of `tar -czf - .`).",
  );
}

function tooLarge(): PierError {
  return new PierError(
    "payload_too_large",
    `Uploads are limited to ${maxUploadBytes / 1024 / 1024} MiB; deploy bigger trees with git push or --image.`,
    413,
  );
}
