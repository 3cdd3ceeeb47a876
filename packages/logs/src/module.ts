import { once } from "@pier/core";
import { lazyRoute, pathOf } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { logsPrefix } from "./http/log-routes.ts";
import { OTLP_LOGS_PATHS } from "./otlp/paths.ts";

/**
 * App logs: every replica container's stdout and stderr kept in `<data-dir>/logs.db`, with
 * OTLP log records sent to `/v1/logs` (console) or `/_pier/otlp/v1/logs` (app hosts), searchable under /api/v1/logs after the container is gone. Starts with pier:
 * lines are only there to search if they were collected while the container ran.
 */
export const logsModule: PierModule = {
  name: "logs",
  async start(ctx) {
    const load = once(async () => (await import("./start.ts")).startLogs(ctx));
    lazyRoute(ctx.console, logsPrefix, async () => (await load()).routes);
    ctx.addRawHandler((request) => {
      if (!OTLP_LOGS_PATHS.has(pathOf(request.url))) return null;
      return load().then(({ otlp }) => otlp(request));
    });
    await load();
    return {
      async stop() {
        await (await load.started())?.stop();
      },
    };
  },
};
