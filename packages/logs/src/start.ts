import { join } from "node:path";
import { isStorageFull } from "@pier/db";
import {
  createDockerClient,
  engineHasContainers,
  labelKeys,
  loadOrCreateInstanceId,
  openContainerEvents,
  pingDockerEngine,
} from "@pier/deploy";
import type { PierContext } from "@pier/platform";
import { DockerLogCollector } from "./collector/docker-collector.ts";
import { createLogRoutes } from "./http/log-routes.ts";
import { LogWriter } from "./log-writer.ts";
import { createOtlpLogHandler, defaultOtlpLogLimits } from "./otlp/otlp-handler.ts";
import { SqliteLogStore } from "./store/sqlite-store.ts";

/** Settings with their defaults; every one a named value (docs/performance.md has the figures). */
export const logsDefaults = {
  flushMs: 250,
  batchSize: 2000,
  /** Lines held in memory before the Docker streams pause (about 4 MB at 200 bytes a line). */
  highWater: 20_000,
  rescanMs: 10_000,
  /**
   * A pier without containers waits for its first one on the Engine's event stream; when that
   * stream cannot be opened or ends (the Engine restarting), it asks again after this long.
   */
  firstContainerRetryMs: 5_000,
  pruneEveryMs: 60_000,
  /** A dropped batch is logged at most this often: a full disk must not flood pier's own log. */
  dropLogEveryMs: 30_000,
};

export type RunningLogs = Awaited<ReturnType<typeof startLogs>>;

export async function startLogs(ctx: PierContext) {
  const log = ctx.logger.child({ component: "logs" });
  const store = new SqliteLogStore(join(ctx.config.dataDir, "logs.db"));
  let lastDropLog = 0;
  const writer = new LogWriter(store, {
    flushMs: logsDefaults.flushMs,
    batchSize: logsDefaults.batchSize,
    highWater: logsDefaults.highWater,
    onDropped(count, error) {
      if (Date.now() - lastDropLog < logsDefaults.dropLogEveryMs) return;
      lastDropLog = Date.now();
      const full = isStorageFull(error, { dataDir: ctx.config.dataDir });
      log.error(full ? "storage full: app log lines dropped" : "app log lines not stored", {
        dropped: count,
        droppedSinceStart: writer.dropped,
        error: String(error),
      });
    },
  });

  const prune = () => {
    try {
      const dropped = store.prune({
        maxAgeMs: ctx.config.logsRetentionDays * 86_400_000,
        maxBytes: ctx.config.logsMaxMb * 1024 * 1024,
      });
      if (dropped > 0) log.info("old log lines pruned", { dropped });
    } catch (error) {
      log.warn("log retention did not run", { error: String(error) });
    }
  };
  const stopPruning = ctx.primary.run("logs retention", () => {
    prune();
    const timer = setInterval(prune, logsDefaults.pruneEveryMs);
    return () => clearInterval(timer);
  });

  // One pier reads the containers (two during an upgrade's hand-over would store every line twice).
  let collector: DockerLogCollector | null = null;
  /** Ends the wait for the first container at once when the collector stops. */
  let wakeWaiting = () => {};
  const stopCollecting = ctx.primary.run("logs collector", () => {
    let stopped = false;
    void (async () => {
      if (!(await pingDockerEngine())) {
        log.info("Docker not reachable: container logs are not collected");
        return;
      }
      // The client library and the collector (about 19 MB: dockerode with its HTTP and stream
      // stack, the event stream) wait for this pier's first container, watched for on one plain
      // HTTP request to the Engine's event stream: an idle pier asks the Engine nothing. Nothing
      // is lost meanwhile: a container's first read starts at its first line (docs/performance.md,
      // Startup and footprint).
      const instance = loadOrCreateInstanceId(ctx.config.dataDir);
      const labels = [labelKeys.app, `${labelKeys.instance}=${instance}`];
      while (!stopped) {
        const waiting = new AbortController();
        wakeWaiting = () => waiting.abort();
        // Subscribed first, then asked: a container created between the two is not missed.
        const events = await openContainerEvents(labels, waiting.signal);
        if (stopped || (await engineHasContainers(labels))) {
          waiting.abort();
          break;
        }
        const seen = events ? await events.next() : false;
        waiting.abort();
        if (!seen && !stopped)
          await new Promise<void>((resolve) => {
            wakeWaiting = resolve;
            setTimeout(resolve, logsDefaults.firstContainerRetryMs);
          });
      }
      if (stopped) return;
      collector = new DockerLogCollector({
        docker: createDockerClient(),
        instance,
        writer,
        cursors: store.cursors(),
        dropCursors: (keep) => store.dropCursors(keep),
        logger: log,
        rescanMs: logsDefaults.rescanMs,
      });
      collector.start();
    })();
    return async () => {
      stopped = true;
      wakeWaiting();
      await collector?.stop();
      collector = null;
    };
  });

  const routes = createLogRoutes({ stores: ctx.stores, store, authenticate: ctx.authenticate });
  const otlp = createOtlpLogHandler({
    // Looked up at call time: error tracking may start after this module, or not at all.
    get authorize() {
      const errors = ctx.capabilities.errors;
      return errors?.authorizeIngest ? (key: string) => errors.authorizeIngest!(key, "logs") : null;
    },
    appName: async (appId) => (await ctx.stores.apps.findById(appId))?.name ?? null,
    store: (records) => store.insert(records),
    busy: () => writer.full(),
    storageFull: (error) => isStorageFull(error, { dataDir: ctx.config.dataDir }),
    limits: defaultOtlpLogLimits,
    maxAgeMs: ctx.config.logsRetentionDays * 86_400_000,
  });

  return {
    store,
    writer,
    routes,
    otlp,
    collector: () => collector,
    async stop() {
      await stopCollecting();
      await stopPruning();
      await writer.stop();
      store.close();
    },
  };
}
