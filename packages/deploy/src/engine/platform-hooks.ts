import type { Logger } from "@pier/core";
import type { Capabilities } from "@pier/platform";
import type { DeployHooks } from "./engine.ts";

/**
 * What a deploy gets from the rest of the platform, through the capabilities other modules
 * provide (absent when that subsystem is not running). Apps reach pier through their own host's
 * `/_pier/` paths (the proxy forwards them to the console), so the same URLs work from the
 * browser, from the containers and from elsewhere.
 *
 * Env and networks are read only once every module started (`modulesStarted`): the deploy module
 * starts before services, errors and the AI gateway, and the replicas it starts during its own
 * start (a live release that lost its containers, a liveness replacement) would otherwise go live
 * without DATABASE_URL, SENTRY_* or the services' networks.
 */
export function platformDeployHooks(
  capabilities: Readonly<Capabilities>,
  logger: Logger,
  modulesStarted: Promise<void>,
): DeployHooks {
  return {
    async platformEnv({ app, environment, deploymentId, url, previewDatabase }) {
      await modulesStarted;
      const [sentry, ai, services] = await Promise.all([
        (
          capabilities.errors?.sentryEnv({
            app,
            release: deploymentId,
            environment: environment.name,
            host: environment.host,
          }) ?? Promise.resolve({})
        ).catch((error) => {
          logger.warn("no SENTRY_* env for this deploy", { app: app.name, error });
          return {};
        }),
        (
          capabilities.aiGateway?.envFor(app.name, { baseUrl: `${url}/_pier/ai/v1` }) ?? Promise.resolve({})
        ).catch((error) => {
          logger.warn("no AI gateway env for this deploy", { app: app.name, error });
          return {};
        }),
        // Not caught: an app linked to a database must not go live without its URL.
        capabilities.services?.envFor(
          { id: app.id, name: app.name },
          { name: environment.name, kind: environment.kind },
          { previewDatabase: previewDatabase ?? "shared" },
        ) ?? Promise.resolve({}),
      ]);
      return { ...sentry, ...ai, ...services };
    },
    async networks(app) {
      await modulesStarted;
      return (await capabilities.services?.networksFor({ id: app.id, name: app.name })) ?? [];
    },
    outcome({ app, environment, deploymentId, url, deployment }) {
      if (deployment.status === "live" && environment.kind === "production") {
        capabilities.cron?.releaseLive({ id: app.id, name: app.name });
      }
      if (deployment.status === "live" && environment.kind === "production") {
        const config = (
          deployment.meta as { config?: { health?: { path?: string }; deploy?: { sleep_after?: unknown } } }
        ).config;
        const health = config?.health?.path ?? "/";
        // A production that sleeps when idle gets no default monitor: its checks, a minute apart,
        // would keep it awake (and one made for an earlier release goes). Users add one if they want.
        const sleeps = config?.deploy?.sleep_after !== undefined;
        const done = sleeps
          ? capabilities.uptime?.removeAppMonitors(app.id)
          : capabilities.uptime?.ensureAppMonitor({ id: app.id, name: app.name }, `${url}${health}`);
        done?.catch((error) => logger.warn("app monitor not updated", { app: app.name, error }));
      }
      if (deployment.status === "failed") {
        void capabilities.notify?.notify({
          kind: "deploy.failed",
          app: app.name,
          environment: environment.name,
          deploymentId,
          reason: deployment.error ?? "unknown reason",
          url,
        });
      }
    },
  };
}

/** An app is gone: the monitors pier made for it go too (monitors a user made stay). */
export function appDeleted(capabilities: Readonly<Capabilities>, appId: string, logger: Logger): void {
  capabilities.uptime
    ?.removeAppMonitors(appId)
    .catch((error) => logger.warn("app monitors not removed", { appId, error }));
}
