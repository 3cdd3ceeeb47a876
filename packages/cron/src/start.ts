import { internalConsoleUrl, type PierContext } from "@pier/platform";
import { createCronRoutes } from "./http/cron-routes.ts";
import { CronService } from "./service.ts";
import { cronSettingsFromEnv } from "./settings.ts";
import { createCronStore } from "./store.ts";

/** The cron scheduler and its API, loaded when an app has jobs or on the first cron request. */
export async function startCron(ctx: PierContext) {
  const logger = ctx.logger.child({ component: "cron" });
  const cron = createCronStore(ctx.database);
  const { config } = ctx;
  const proxyHost = new URL(internalConsoleUrl(config)).hostname;
  const service = new CronService({
    stores: ctx.stores,
    cron,
    logger,
    settings: cronSettingsFromEnv(),
    holder: `${process.pid}-${crypto.randomUUID()}`,
    notify: (event) => void ctx.capabilities.notify?.notify(event),
    appRuntime: () => ctx.capabilities.appRuntime,
    // Path jobs go through the proxy like any visitor, so they reach the app as its route does.
    appOrigin: (app) =>
      ctx.proxy
        ? { url: `http://${proxyHost}:${config.httpPort}`, host: `${app}.${config.baseDomain}` }
        : null,
  });
  service.start();
  const routes = createCronRoutes({ stores: ctx.stores, cron, service, authenticate: ctx.authenticate });
  return {
    routes,
    service,
    async stop() {
      await service.stop();
    },
  };
}
