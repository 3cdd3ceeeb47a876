import { ConflictError, NotFoundError, ValidationError } from "@pier/core";
import type { Stores } from "@pier/db";
import { repoPath } from "@pier/git";
import {
  type ApiEnv,
  assertAppAccess,
  eventData,
  findAppOr404,
  keepOpen,
  type Principal,
  rejectNulInUrl,
  routeGroup,
  type SocketSession,
  serveRoute,
  sseResponse,
  streamSource,
} from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Server } from "bun";
import type Docker from "dockerode";
import { Hono } from "hono";
import { streamAppLogs } from "../engine/app-logs.ts";
import type { DeployLogs } from "../engine/deploy-log.ts";
import type { DeployEngine } from "../engine/engine.ts";
import { listEnvVars, reservedEnvKeys } from "../engine/env-vars.ts";
import { targetEnvironment } from "../engine/environments.ts";
import { mergeMetricRows } from "../engine/metrics.ts";
import { type OperationDeps, promote, restartForEnvChange, rollback } from "../engine/operations.ts";
import type { ServingTable } from "../engine/serving.ts";
import { branchHeads, commitsBetween } from "../git-history.ts";
import { isStaticReplicaId } from "../static/static-replicas.ts";
import { ActivityFeed } from "./activity-feed.ts";
import { summarizeAppsActivity } from "./activity-summary.ts";
import { envChangesBetween } from "./app-activity.ts";
import { receiveBuildContext } from "./build-context-upload.ts";
import { commandSession } from "./command-session.ts";
import { deployRoutes } from "./contract.ts";
import { appStatus, environmentsById, presentDeployment, presentEnvironment } from "./presenters.ts";

export interface DeployApiDeps extends OperationDeps {
  ctx: PierContext;
  engine: DeployEngine;
  serving: ServingTable;
  logs: DeployLogs;
  liveUrl(host: string): string;
  docker: () => Docker;
  instance: string;
  /** Starts a sleeping environment (SleepManager.wake). */
  wake(app: string, environment: string): Promise<void>;
}

/**
 * The deploy API. Served from a raw handler in front of the core API (see start.ts): uploads
 * are bigger than the core API's body limit, and the deployments list adds fields to a core route.
 */
export function createDeployApi(deps: DeployApiDeps): Hono<ApiEnv> {
  const { ctx, engine } = deps;
  const { stores } = ctx;
  const api = new Hono<ApiEnv>();
  api.use("*", rejectNulInUrl);
  // Routes are registered at their full paths: the raw handler hands this app every request.
  const group = routeGroup("", ctx.authenticate);
  const app = (name: string) => findAppOr404(stores, name);

  serveRoute(group, deployRoutes.appsOverview, async () => {
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
          status: appStatus(deployments, {
            current: Boolean(production?.currentDeploymentId),
            serving: served?.upstreams.length ?? 0,
            sleeping: Boolean(served?.sleeping ?? production?.sleepingSince),
          }),
          url: production?.host
            ? deps.liveUrl(production.host)
            : deps.liveUrl(`${row.name}.${ctx.config.baseDomain}`),
          domains: domains.filter((d) => d.appId === row.id).map((d) => d.host),
          currentDeployment: current ? presentDeployment(current, byId) : null,
          lastDeployment: deployments[0] ? presentDeployment(deployments[0], byId) : null,
          replicas: served?.upstreams.length ?? 0,
          previews: environments.filter((e) => e.kind === "preview").length,
          lastDeployAt: deployments[0]?.createdAt ?? null,
        };
      }),
    );
    return { apps };
  });

  serveRoute(group, deployRoutes.appsActivity, ({ query }) => summarizeAppsActivity(ctx, query.hours));

  // The home's sparklines and figures over 24 h, pushed to the streams that ask (?activity=1).
  const activityFeed = new ActivityFeed(
    async () => eventData(deployRoutes.deployEvents, "activity", await summarizeAppsActivity(ctx, 24)),
    (error) => ctx.logger.warn("apps activity not loaded for deploy-events", { error }),
  );

  serveRoute(group, deployRoutes.deployEvents, async ({ query }, c) => {
    keepOpen(c.env, c.req.raw);
    return sseResponse(streamSource(c), async (send, closed) => {
      send("ready", eventData(deployRoutes.deployEvents, "ready", {}));
      await new Promise<void>((resolve) => {
        const stopChanges = engine.onChange((change) =>
          send("deployment", eventData(deployRoutes.deployEvents, "deployment", change)),
        );
        const stopActivity =
          query.activity === "1" ? activityFeed.subscribe((json) => send("activity", json)) : () => {};
        closed.addEventListener("abort", () => {
          stopChanges();
          stopActivity();
          resolve();
        });
      });
    });
  });

  serveRoute(group, deployRoutes.cancelDeployment, async ({ params }, c) => {
    const row = await findDeployment(deps, params.id, c.get("principal"));
    const outcome = engine.cancel(row.id);
    if (outcome === "switching")
      throw new ConflictError(
        `${row.id} is already switching traffic to the new release; it can no longer be cancelled.`,
      );
    if (outcome === "not_running")
      throw new ConflictError(
        `${row.id} is not running (${row.status}); only a running deploy can be cancelled.`,
      );
    return { deployment: await presentStarted(deps, row.id) };
  });

  serveRoute(group, deployRoutes.compareDeployments, async ({ params, query }) => {
    const row = await app(params.name);
    const [from, to] = await Promise.all([query.from, query.to].map((id) => stores.deployments.findById(id)));
    if (!from || from.appId !== row.id) throw new NotFoundError("Deployment", query.from);
    if (!to || to.appId !== row.id) throw new NotFoundError("Deployment", query.to);
    const byId = environmentsById(await stores.environments.listForApp(row.id));
    const gitDir = repoPath(ctx.config.dataDir, row.name);
    let commits = null;
    if (from.commitSha && to.commitSha) {
      const [ahead, behind] = await Promise.all([
        commitsBetween(gitDir, from.commitSha, to.commitSha, 100),
        commitsBetween(gitDir, to.commitSha, from.commitSha, 100),
      ]);
      if (ahead && behind) commits = { ahead, behind };
    }
    return {
      from: presentDeployment(from, byId),
      to: presentDeployment(to, byId),
      commits,
      env: envChangesBetween(from, to),
      imageChanged: from.image !== to.image,
    };
  });

  serveRoute(group, deployRoutes.listRefs, async ({ params }) => {
    const row = await app(params.name);
    return {
      defaultBranch: row.defaultBranch,
      branches: await branchHeads(repoPath(ctx.config.dataDir, row.name)),
    };
  });

  serveRoute(group, deployRoutes.listDeployments, async ({ params, query }) => {
    const row = await app(params.name);
    const environments = await stores.environments.listForApp(row.id);
    const byId = environmentsById(environments);
    let environmentId: string | undefined;
    if (query.environment) {
      environmentId = environments.find((e) => e.name === query.environment)?.id;
      if (!environmentId) return { deployments: [] };
    }
    const deployments = await stores.deployments.listForApp(row.id, query.limit, environmentId);
    return { deployments: deployments.map((d) => presentDeployment(d, byId)) };
  });

  serveRoute(group, deployRoutes.getDeployment, async ({ params }, c) => {
    const row = await findDeployment(deps, params.id, c.get("principal"));
    const byId = environmentsById(await stores.environments.listForApp(row.appId));
    return { deployment: presentDeployment(row, byId) };
  });

  serveRoute(group, deployRoutes.deploymentLog, async ({ params, query }, c) => {
    const row = await findDeployment(deps, params.id, c.get("principal"));
    if (!query.follow) {
      return new Response(await deps.logs.read(row.id), {
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    const running = deps.logs.running(row.id);
    keepOpen(c.env, c.req.raw);
    return sseResponse(streamSource(c), async (send, closed) => {
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

  for (const route of [deployRoutes.deployUpload, deployRoutes.deployStatic]) {
    serveRoute(group, route, async ({ params, query }, c) => {
      const row = await app(params.name);
      const branch = query.branch || null;
      const tarPath = await receiveBuildContext(c.req.raw, ctx.config.dataDir);
      const target = targetEnvironment(row, branch, ctx.config.baseDomain);
      const started = await engine.start(
        row,
        target,
        { kind: "upload", tarPath, branch },
        { actor: await actorOf(stores, c.get("principal")) },
      );
      return { deployment: await presentStarted(deps, started.deployment.id) };
    });
  }

  serveRoute(group, deployRoutes.deployImage, async ({ params, body }, c) => {
    const row = await app(params.name);
    const target = targetEnvironment(row, body.branch, ctx.config.baseDomain);
    const started = await engine.start(
      row,
      target,
      { kind: "image", image: body.image, port: body.port },
      { actor: await actorOf(stores, c.get("principal")) },
    );
    return { deployment: await presentStarted(deps, started.deployment.id) };
  });

  serveRoute(group, deployRoutes.deployGitRef, async ({ params, body }, c) => {
    const row = await app(params.name);
    const ref = body.ref ?? row.defaultBranch;
    const gitDir = repoPath(ctx.config.dataDir, row.name);
    const commitSha = await resolveCommit(gitDir, ref);
    if (!commitSha) throw new NotFoundError(`Branch or commit of ${row.name}`, ref);
    // A branch deploys to its own environment; a bare commit to production unless told otherwise.
    const branch = body.branch ?? (/^[0-9a-f]{7,64}$/.test(ref) ? row.defaultBranch : ref);
    const target = targetEnvironment(row, branch, ctx.config.baseDomain);
    const started = await engine.start(
      row,
      target,
      { kind: "git", gitDir, commitSha, branch },
      { actor: await actorOf(stores, c.get("principal")) },
    );
    return { deployment: await presentStarted(deps, started.deployment.id) };
  });

  serveRoute(group, deployRoutes.rollback, async ({ params, body }, c) => {
    const row = await app(params.name);
    const actor = await actorOf(stores, c.get("principal"));
    const started = await rollback(deps, row, body.to, body.releaseCommand, actor);
    return { deployment: await presentStarted(deps, started.deployment.id) };
  });

  serveRoute(group, deployRoutes.promoteEnvironment, async ({ params }, c) => {
    const row = await app(params.name);
    const actor = await actorOf(stores, c.get("principal"));
    const started = await promote(deps, row, params.environment, ctx.config.baseDomain, actor);
    return { deployment: await presentStarted(deps, started.deployment.id) };
  });

  serveRoute(group, deployRoutes.listEnvironments, async ({ params }) => {
    const row = await app(params.name);
    const environments = await stores.environments.listForApp(row.id);
    return {
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
    };
  });

  serveRoute(group, deployRoutes.wakeEnvironment, async ({ params }) => {
    const row = await app(params.name);
    const environment = await stores.environments.findByName(row.id, params.environment);
    if (!environment) throw new NotFoundError("Environment", params.environment);
    const started = performance.now();
    await deps.wake(row.name, environment.name);
    const wokeInMs = Math.round(performance.now() - started);
    const fresh = (await stores.environments.findById(environment.id)) ?? environment;
    const current = fresh.currentDeploymentId
      ? await stores.deployments.findById(fresh.currentDeploymentId)
      : undefined;
    return {
      environment: presentEnvironment(
        fresh,
        deps.serving.get(row.name, fresh.name),
        current,
        fresh.host ? deps.liveUrl(fresh.host) : null,
      ),
      wokeInMs,
    };
  });

  for (const route of [deployRoutes.runCommand, deployRoutes.execCommand]) {
    serveRoute(group, route, async ({ params, query }, c) => {
      const row = await app(params.name);
      const environment = query.environment.startsWith("preview:")
        ? targetEnvironment(row, query.environment.slice("preview:".length), ctx.config.baseDomain).name
        : query.environment;
      const tty = query.tty === "1";
      const terminal = { tty, cols: query.cols, rows: query.rows };
      let session: SocketSession;
      if (route === deployRoutes.runCommand) {
        const spec = await engine.oneOffSpec(row, environment, "run", query.cmd);
        session = commandSession(deps.docker(), { kind: "run", spec, instance: deps.instance }, terminal);
      } else {
        const replica = (query as { replica?: number }).replica ?? 1;
        const served = deps.serving.get(row.name, environment);
        const target = served?.replicas[replica - 1];
        if (!target || isStaticReplicaId(target.containerId))
          throw new ConflictError(
            `${row.name} (${environment}) has no running replica ${replica}${served?.sleeping ? ": it sleeps (wake it first)" : ""}.`,
          );
        session = commandSession(
          deps.docker(),
          { kind: "exec", containerId: target.containerId, command: query.cmd },
          terminal,
        );
      }
      const server = c.env as unknown as Server<SocketSession>;
      session.stillValid = c.get("principal").stillValid;
      if (!server.upgrade(c.req.raw, { data: session }))
        throw new ValidationError("This route speaks WebSocket: connect with pier run / pier exec.");
      return new Response(null, { status: 101 });
    });
  }

  serveRoute(group, deployRoutes.listEnv, async ({ params }) => {
    const row = await app(params.name);
    const env = await listEnvVars(stores, ctx.secretBox, row.id);
    return { env: env.map((e) => ({ ...e, environment: e.environment || null })) };
  });

  serveRoute(group, deployRoutes.setEnv, async ({ params, body }) => {
    const row = await app(params.name);
    const vars = body.vars ?? [{ key: body.key!, value: body.value! }];
    const reserved = vars.filter((v) => reservedEnvKeys.has(v.key)).map((v) => v.key);
    if (reserved.length > 0)
      throw new ValidationError(
        `${reserved.join(", ")} ${reserved.length === 1 ? "is" : "are"} set by pier for every replica.`,
      );
    const updatedAt = new Date();
    await stores.envVars.set(
      await Promise.all(
        vars.map(async (v) => ({
          appId: row.id,
          environment: body.environment,
          key: v.key,
          valueSealed: await ctx.secretBox.encrypt(v.value),
          secret: body.secret,
          updatedAt,
        })),
      ),
    );
    const restarts = await restartForEnvChange(deps, row, body.environment);
    const keys = vars.map((v) => v.key);
    return { ok: true as const, key: keys[0]!, keys, restarting: restarts.map((r) => r.deployment.id) };
  });

  serveRoute(group, deployRoutes.unsetEnv, async ({ params, query }) => {
    const row = await app(params.name);
    const { key } = params;
    if (!(await stores.envVars.remove(row.id, query.environment, key)))
      throw new NotFoundError("Env var", key);
    const restarts = await restartForEnvChange(deps, row, query.environment);
    return { ok: true as const, key, keys: [key], restarting: restarts.map((r) => r.deployment.id) };
  });

  serveRoute(group, deployRoutes.appLogs, async ({ params, query }, c) => {
    const row = await app(params.name);
    const follow = query.follow === "1" || query.follow === "true";
    keepOpen(c.env, c.req.raw);
    return sseResponse(streamSource(c), (send, closed) =>
      streamAppLogs(
        deps.docker(),
        { app: row.name, instance: deps.instance },
        { tail: query.tail, follow, signal: closed },
        (entry) => send("log", JSON.stringify(entry)),
      ),
    );
  });

  serveRoute(group, deployRoutes.appMetrics, async ({ params, query }) => {
    const row = await app(params.name);
    const from = new Date(Date.now() - query.minutes * 60_000);
    return { points: mergeMetricRows(await stores.requestMetrics.since(row.id, from)) };
  });

  api.route("/", group.app);
  return api;
}

/** A deployment by id; a token limited to other apps gets the same 404 as for an unknown id. */
async function findDeployment(deps: DeployApiDeps, id: string, principal: Principal) {
  const row = await deps.ctx.stores.deployments.findById(id);
  const app = row ? await deps.ctx.stores.apps.findById(row.appId) : undefined;
  if (!row || !app) throw new NotFoundError("Deployment", id);
  try {
    assertAppAccess(principal, app.name);
  } catch {
    throw new NotFoundError("Deployment", id);
  }
  return row;
}

/** Who a deployment is by: the signed-in user's email, or the name of the token that asked. */
async function actorOf(stores: Stores, principal: Principal): Promise<string | null> {
  if (principal.kind === "session") return principal.email;
  const token = (await stores.tokens.list()).find((t) => t.id === principal.tokenId);
  return token ? `token ${token.name}` : null;
}

async function presentStarted(deps: DeployApiDeps, id: string) {
  const row = await deps.ctx.stores.deployments.findById(id);
  const byId = environmentsById(await deps.ctx.stores.environments.listForApp(row!.appId));
  return presentDeployment(row!, byId);
}

/** The full commit id `ref` names in a bare repository, or null (nothing pushed, unknown ref). */
async function resolveCommit(gitDir: string, ref: string): Promise<string | null> {
  const proc = Bun.spawn(
    ["git", "--git-dir", gitDir, "rev-parse", "--verify", "--quiet", `${ref}^{commit}`],
    {
      stdout: "pipe",
      stderr: "ignore",
    },
  );
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return code === 0 ? out.trim() : null;
}
