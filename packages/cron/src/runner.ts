import type { AppRuntimeCapability } from "@pier/platform";
import type { CronJob, RunStatus } from "./job.ts";
import { cronDefaults } from "./settings.ts";

export interface RunOutcome {
  status: Extract<RunStatus, "succeeded" | "failed" | "timed_out">;
  exitCode: number | null;
  httpStatus: number | null;
  output: string[];
  /** Why it failed, in words for the history and the notification; null when it succeeded. */
  error: string | null;
  deploymentId: string | null;
  durationMs: number;
}

export interface RunnerDeps {
  appRuntime(): AppRuntimeCapability | undefined;
  /** Where the app's own route is reached (the proxy), and the Host it answers to. */
  appOrigin(app: string): { url: string; host: string } | null;
  fetch?: typeof fetch;
}

/** Runs one attempt of a job: a command in a one-off container, or a request to the app's route. */
export async function runJob(deps: RunnerDeps, app: string, job: CronJob): Promise<RunOutcome> {
  return job.command !== undefined ? runCommand(deps, app, job) : requestPath(deps, app, job);
}

async function runCommand(deps: RunnerDeps, app: string, job: CronJob): Promise<RunOutcome> {
  const runtime = deps.appRuntime();
  if (!runtime) return failure("the deploy engine is not running", 0);
  const started = performance.now();
  try {
    const result = await runtime.runOneOff({
      app,
      environment: "production",
      command: job.command!,
      timeoutMs: job.timeout,
    });
    const output = result.tail.slice(-cronDefaults.outputLines);
    const base = { exitCode: result.exitCode, httpStatus: null, output, deploymentId: result.deploymentId };
    if (result.timedOut)
      return {
        ...base,
        status: "timed_out",
        error: `timed out after ${job.timeout / 1000}s`,
        durationMs: result.durationMs,
      };
    if (result.exitCode === 0)
      return { ...base, status: "succeeded", error: null, durationMs: result.durationMs };
    return {
      ...base,
      status: "failed",
      error: result.exitCode === null ? "did not start" : `exited with code ${result.exitCode}`,
      durationMs: result.durationMs,
    };
  } catch (error) {
    return failure((error as Error).message, Math.round(performance.now() - started));
  }
}

async function requestPath(deps: RunnerDeps, app: string, job: CronJob): Promise<RunOutcome> {
  const origin = deps.appOrigin(app);
  if (!origin) return failure("the proxy is not running (--proxy-workers 0): path jobs go through it", 0);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await (deps.fetch ?? fetch)(`${origin.url}${job.path}`, {
      headers: { host: origin.host, "user-agent": "pier-cron", "x-pier-cron": job.name },
      redirect: "manual",
      signal: AbortSignal.timeout(job.timeout),
    });
    const text = (await response.text()).slice(0, 4096);
    const output = text.split("\n").filter(Boolean).slice(0, cronDefaults.outputLines);
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: ok ? "succeeded" : "failed",
      exitCode: null,
      httpStatus: response.status,
      output,
      error: ok ? null : `answered HTTP ${response.status}`,
      deploymentId: null,
      durationMs: elapsed(),
    };
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError")
      return { ...failure(`timed out after ${job.timeout / 1000}s`, elapsed()), status: "timed_out" };
    return failure(`request failed: ${(error as Error).message}`, elapsed());
  }
}

function failure(error: string, durationMs: number): RunOutcome {
  return {
    status: "failed",
    exitCode: null,
    httpStatus: null,
    output: [],
    error,
    deploymentId: null,
    durationMs,
  };
}
