import { existsSync } from "node:fs";
import { join } from "node:path";
import { once } from "@pier/core";
import { lazyRoute, pathOf } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { OTLP_TRACES_PATHS } from "./ingest/paths.ts";
import { traceOfEvent } from "./sentry/event-trace.ts";

const SENTRY_SPAN_ITEMS = new Set(["transaction", "span"]);

/**
 * Distributed tracing: OTLP/HTTP trace export at `/v1/traces` on the console and
 * `/_pier/otlp/v1/traces` on every app host (the proxy forwards `/_pier/*` here), Sentry
 * transactions and spans handed over by error tracking, the `/api/v1/traces` API and the
 * retention sweep. Loads on first use, or at start when traces.db exists (a sweep to run) or
 * ClickHouse is configured.
 */
export const tracesModule: PierModule = {
  name: "traces",
  async start(ctx) {
    const log = ctx.logger.child({ component: "traces" });
    const load = once(async () => (await import("./start.ts")).startTraces(ctx));
    ctx.addRawHandler((request) => {
      if (!OTLP_TRACES_PATHS.has(pathOf(request.url))) return null;
      return load().then(({ service }) => service.otlp(request));
    });
    lazyRoute(ctx.console, "/api/v1/traces", async () => (await load()).api);
    const withdraw = ctx.provide("traces", {
      acceptSentryItem(owner, type, payload) {
        if (!SENTRY_SPAN_ITEMS.has(type)) return false;
        const spanOwner = { projectId: owner.projectId, appId: owner.appId, defaultService: owner.name };
        load().then(
          ({ service }) => service.acceptSentryItem(spanOwner, type, payload),
          (error) => log.error("traces not started; Sentry spans lost", { error }),
        );
        return true;
      },
      noteErrorEvent(owner, eventId, payload) {
        const link = traceOfEvent(payload);
        if (!link) return;
        load().then(
          ({ service }) => service.noteErrorEvent(owner.projectId, eventId, link.traceId, link.spanId),
          (error) => log.warn("traces not started; error link lost", { error }),
        );
      },
    });
    // With ClickHouse configured, an unreachable server stops the start (as for errors and analytics).
    if (ctx.config.clickhouseUrl || existsSync(join(ctx.config.dataDir, "traces.db"))) await load();
    return {
      async stop() {
        withdraw();
        await (await load.started())?.service.stop();
      },
    };
  },
};
