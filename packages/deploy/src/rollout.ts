import { type DeployQueue, defaultDeployQueue } from "./deploy-queue.ts";
import { DeployFailedError, type DeployFailureReason, ReplicaExitedError } from "./errors.ts";
import { type HealthProbe, probeFor, sleep, unreachableHint, waitForHealthy } from "./health-check.ts";
import type { PierConfig } from "./pier-toml.ts";
import type {
  DeploymentPatch,
  DeploymentRecorder,
  DrainMonitor,
  ReplicaRuntime,
  RoutePublisher,
  StartedReplica,
} from "./ports.ts";

export interface RolloutPorts {
  runtime: ReplicaRuntime;
  routes: RoutePublisher;
  recorder?: DeploymentRecorder;
  drain?: DrainMonitor;
  probe?: HealthProbe;
  queue?: DeployQueue;
}

export interface RolloutRequest {
  appId: string;
  /** "production" or a preview environment slug; routes and containers are per (app, env). */
  env: string;
  deploymentId: string;
  image: string;
  /** health, deploy, resources and [env] defaults of the release (from its pier.toml). */
  config: PierConfig;
  /** The app's env vars (decrypted); they override pier.toml [env]. PORT and HOST are pier's. */
  envVars?: Record<string, string>;
  /** Replicas serving now; drained and removed once the new ones are live. */
  previous: { containerId: string; upstream: string }[];
  /** Docker networks the replicas join (linked services). */
  networks?: string[];
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface RolloutResult {
  replicas: StartedReplica[];
  upstreams: string[];
  /** Milliseconds from the call to routes acknowledged. */
  switchedAfterMs: number;
  /** How long each step took: starting the replicas, their health checks, the route swap. */
  phases: RolloutPhases;
  /**
   * Settles when the previous replicas are drained, stopped and removed, with the milliseconds that
   * took (null when there was nothing to retire). Runs after the app's queue slot is released: the
   * next deploy need not wait for a drain. Never rejects.
   */
  retired: Promise<number | null>;
}

export interface RolloutPhases {
  startMs: number;
  healthMs: number;
  switchMs: number;
}

const logTailLines = 30;

/** Where to look when the app is gone: the output printed just before the failure, if it had any. */
function outputPointer(logTail: string[]): string {
  return logTail.length > 0 ? "see its output above" : "it printed nothing before it ended";
}

function exitedBeforeHealthy(exitCode: number | null, logTail: string[]): string {
  const how = exitCode === null ? "stopped running" : `exited with code ${exitCode}`;
  return `the app ${how} before it was healthy: ${outputPointer(logTail)}`;
}

/**
 * The rollout state machine (kamal-proxy model):
 * start replicas -> health check -> swap routes (all workers ack) -> drain old -> stop -> remove.
 * Any failure before the swap removes the new replicas, leaves the routes untouched and throws
 * DeployFailedError; the old release keeps serving. Deploys of one app run one at a time.
 */
export async function runRollout(ports: RolloutPorts, request: RolloutRequest): Promise<RolloutResult> {
  const queue = ports.queue ?? defaultDeployQueue;
  const say = (line: string) => request.onProgress?.(line);
  if (queue.isBusy(request.appId)) say(`Waiting for the running deploy of ${request.appId} to finish`);
  // stop-first: the old release goes before the new one starts (apps that cannot share a volume).
  const stopFirst = request.config.deploy.strategy === "stop-first" && request.previous.length > 0;
  const result = await queue.run(request.appId, async () => {
    if (stopFirst) await stopPrevious(ports, request, say);
    return switchTraffic(ports, stopFirst ? { ...request, previous: [] } : request, say);
  });
  return { ...result, retired: stopFirst ? Promise.resolve(null) : retire(ports, request, say) };
}

async function switchTraffic(
  ports: RolloutPorts,
  request: RolloutRequest,
  say: (line: string) => void,
): Promise<Omit<RolloutResult, "retired">> {
  const { config } = request;
  const { runtime } = ports;
  const started = performance.now();
  const record = (patch: DeploymentPatch) => ports.recorder?.update(request.deploymentId, patch);
  const replicas: StartedReplica[] = [];

  const fail = async (reason: DeployFailureReason, message: string, logTail: string[] = []) => {
    // The app's output first: the failure reason then ends the block and may point up to it.
    for (const line of logTail) say(`  | ${line}`);
    say(`Deploy failed: ${message}`);
    say(
      request.previous.length
        ? "The previous release keeps serving"
        : "Nothing was serving before; nothing changed",
    );
    await Promise.all(replicas.map((r) => runtime.remove(r.containerId).catch(() => {})));
    const error = new DeployFailedError(reason, message, logTail);
    await record({ status: "failed", error: { code: reason, message, logTail } });
    return error;
  };
  const cancelled = () => request.signal?.aborted === true;

  const count = config.deploy.replicas;
  const phases: RolloutPhases = { startMs: 0, healthMs: 0, switchMs: 0 };
  let phaseStart = performance.now();
  const endPhase = (phase: keyof RolloutPhases) => {
    const now = performance.now();
    phases[phase] = Math.round(now - phaseStart);
    phaseStart = now;
  };
  await record({ status: "starting" });
  say(`Starting ${count} replica${count === 1 ? "" : "s"} of ${request.image}`);
  const envVars = { ...config.env, ...request.envVars };
  for (let replica = 1; replica <= count; replica++) {
    if (cancelled()) throw await fail("DEPLOY_CANCELLED", "deploy cancelled");
    try {
      const started = await runtime.start({
        app: request.appId,
        env: request.env,
        deploymentId: request.deploymentId,
        replica,
        image: request.image,
        port: config.deploy.port,
        envVars,
        memoryBytes: config.resources.memory,
        cpus: config.resources.cpus,
        pidsLimit: config.resources.pids,
        user: config.deploy.user,
        readOnly: config.deploy.read_only,
        networks: request.networks,
        volumes: config.volumes,
        replicas: count,
        placement: config.deploy.placement,
        spread: config.deploy.spread,
        platforms: config.deploy.platforms,
        stopGraceMs: config.deploy.stop_timeout,
        healthPath: config.health.path,
      });
      replicas.push(started);
      say(`  replica ${replica} started (${started.containerId.slice(0, 12)}, ${started.upstream})`);
    } catch (error) {
      // A process that dies at once is the same failure as one that dies while being probed.
      if (error instanceof ReplicaExitedError) {
        throw await fail(
          "HEALTH_CHECK_FAILED",
          `replica ${replica} failed its health check on ${config.health.path}: ${exitedBeforeHealthy(error.exitCode, error.logTail)}`,
          error.logTail,
        );
      }
      throw await fail(
        "REPLICA_START_FAILED",
        `replica ${replica} did not start: ${(error as Error).message}`,
      );
    }
  }

  endPhase("startMs");
  await record({ status: "health_checking", replicas });
  const { path, interval, timeout } = config.health;
  say(`Health check: GET ${path} every ${interval / 1000}s, up to ${config.deploy.timeout / 1000}s`);
  const stopChecks = new AbortController();
  let firstFailure: number | undefined;
  const abortChecks = () => stopChecks.abort();
  request.signal?.addEventListener("abort", abortChecks, { once: true });
  const outcomes = await Promise.all(
    replicas.map(async (replica) => {
      const outcome = await waitForHealthy({
        url: `http://${replica.upstream}${path}`,
        intervalMs: interval,
        probeTimeoutMs: timeout,
        deadlineMs: config.deploy.timeout,
        probe: probeFor(config.deploy.upstream_protocol, ports.probe),
        state: () => runtime.state(replica.containerId),
        signal: stopChecks.signal,
      });
      // One unhealthy replica fails the deploy; no reason to keep probing the others. The first
      // failure is the reason; the others only report that they were cancelled because of it.
      if (!outcome.healthy && !stopChecks.signal.aborted) {
        firstFailure ??= replica.replica;
        stopChecks.abort();
      } else if (!outcome.healthy)
        say(
          `  replica ${replica.replica}: health check stopped (${request.signal?.aborted ? "deploy cancelled" : outcome.detail})`,
        );
      else
        say(
          `  replica ${replica.replica} healthy after ${(outcome.afterMs / 1000).toFixed(1)}s (${outcome.detail})`,
        );
      return { replica, outcome };
    }),
  );
  request.signal?.removeEventListener("abort", abortChecks);
  if (cancelled()) throw await fail("DEPLOY_CANCELLED", "deploy cancelled");
  const failed =
    outcomes.find((o) => !o.outcome.healthy && o.outcome.exited) ??
    outcomes.find((o) => o.replica.replica === firstFailure) ??
    outcomes.find((o) => !o.outcome.healthy);
  if (failed) {
    const logTail = await runtime.tailLogs(failed.replica.containerId, logTailLines).catch(() => []);
    const { outcome } = failed;
    // A replica that exited refused the probes because it was gone, not because it listens on
    // another port: its own output says why, the $PORT hint would send the user the wrong way.
    const hint =
      outcome.healthy || outcome.exited ? undefined : unreachableHint(outcome.detail, config.deploy.port);
    const why =
      !outcome.healthy && outcome.exited ? `${outcome.detail}: ${outputPointer(logTail)}` : outcome.detail;
    throw await fail(
      "HEALTH_CHECK_FAILED",
      `replica ${failed.replica.replica} failed its health check on ${path}: ${why}${hint ? `. ${hint}` : ""}`,
      logTail,
    );
  }

  endPhase("healthMs");
  await record({ status: "switching", replicas });
  const upstreams = replicas.map((r) => r.upstream);
  say("Switching traffic to the new release");
  try {
    await ports.routes.setAppUpstreams(request.appId, request.env, upstreams);
  } catch (error) {
    // A partial swap must not leave some workers on replicas that are about to be removed.
    if (request.previous.length) {
      await ports.routes
        .setAppUpstreams(
          request.appId,
          request.env,
          request.previous.map((p) => p.upstream),
        )
        .catch(() => {});
    }
    throw await fail(
      "ROUTE_SWAP_FAILED",
      `the proxy did not take the new routes: ${(error as Error).message}`,
    );
  }
  const switchedAfterMs = Math.round(performance.now() - started);
  endPhase("switchMs");
  await record({ status: "live", replicas });
  // No "Live at" here: whether the deploy went live is its caller's to decide (the engine ends one
  // whose app was deleted during the swap cancelled), and to announce.
  return { replicas, upstreams, switchedAfterMs, phases };
}

async function stopPrevious(ports: RolloutPorts, request: RolloutRequest, say: (line: string) => void) {
  say(
    'Stopping the previous release first ([deploy] strategy = "stop-first": requests fail until the new one is live)',
  );
  await ports.routes.setAppUpstreams(request.appId, request.env, []);
  const graceMs = request.config.deploy.stop_timeout;
  await Promise.all(
    request.previous.map(async (r) => {
      await ports.runtime.stop(r.containerId, graceMs);
      await ports.runtime.remove(r.containerId);
    }),
  );
}

async function retire(
  ports: RolloutPorts,
  request: RolloutRequest,
  say: (line: string) => void,
): Promise<number | null> {
  const old = request.previous;
  if (old.length === 0) return null;
  const { drain_timeout: drainMs, stop_timeout: graceMs } = request.config.deploy;
  const started = performance.now();
  try {
    const upstreams = old.map((r) => r.upstream);
    if (ports.drain) await ports.drain.waitForIdle(upstreams, drainMs);
    else await sleep(drainMs);
    await Promise.all(
      old.map(async (r) => {
        await ports.runtime.stop(r.containerId, graceMs);
        await ports.runtime.remove(r.containerId);
      }),
    );
    say(`Retired ${old.length} previous replica${old.length === 1 ? "" : "s"}`);
  } catch (error) {
    say(`Could not retire previous replicas: ${(error as Error).message}`);
  }
  return Math.round(performance.now() - started);
}
