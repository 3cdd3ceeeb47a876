import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, requireStringFlag } from "./command.ts";

type CronRun = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps/:name/cron/runs/:id">>["run"];

const appFlag = {
  app: { type: "string", value: "APP", help: "the app whose pier.toml declares the job" },
} as const;

const seconds = (ms: number | null) => (ms === null ? "-" : `${(ms / 1000).toFixed(1)}s`);
const outcome = (run: CronRun) =>
  run.status === "running"
    ? "running"
    : `${run.status}${run.exitCode !== null ? ` (exit ${run.exitCode})` : run.httpStatus !== null ? ` (HTTP ${run.httpStatus})` : ""}`;

export const cronListCommand: Command = {
  name: "cron list",
  summary: "List an app's cron jobs ([[cron]] in pier.toml) with their next and last run.",
  usage: "pier cron list --app APP [--json]",
  flags: { ...appFlag, json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const { jobs } = await pierApi(resolveConnection(args)).call("GET /api/v1/apps/:name/cron", {
      params: { name: app },
    });
    if (args.flags.json) {
      console.log(JSON.stringify(jobs, null, 2));
      return 0;
    }
    if (jobs.length === 0) {
      console.log(`${app} has no cron jobs: add [[cron]] entries to its pier.toml and deploy.`);
      return 0;
    }
    const width = Math.max(4, ...jobs.map((j) => j.name.length));
    console.log(`${"NAME".padEnd(width)}  SCHEDULE              NEXT RUN                  LAST RUN`);
    for (const job of jobs) {
      const schedule = `${job.schedule}${job.timezone === "UTC" ? "" : ` ${job.timezone}`}`;
      const last = job.lastRun ? `${outcome(job.lastRun)} at ${job.lastRun.startedAt}` : "never";
      console.log(
        `${job.name.padEnd(width)}  ${schedule.padEnd(20)}  ${(job.nextRunAt ?? "-").padEnd(24)}  ${last}`,
      );
    }
    return 0;
  },
};

export const cronRunCommand: Command = {
  name: "cron run",
  summary: "Run a cron job now and wait for it; exits with the job's exit code (1 for other failures).",
  usage: "pier cron run NAME --app APP [--detach]",
  positionals: [{ name: "NAME", required: true }],
  flags: { ...appFlag, detach: { type: "boolean", help: "start it and return at once" }, ...connectionFlags },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const job = args.positionals[0]!;
    const client = pierApi(resolveConnection(args));
    let { run } = await client.call("POST /api/v1/apps/:name/cron/:job/run", { params: { name: app, job } });
    console.error(`Run ${run.id} of ${job} started`);
    if (args.flags.detach) return 0;
    while (run.status === "running") {
      await Bun.sleep(500);
      ({ run } = await client.call("GET /api/v1/apps/:name/cron/runs/:id", {
        params: { name: app, id: run.id },
      }));
    }
    for (const line of run.output) console.log(line);
    console.error(`${outcome(run)} after ${seconds(run.durationMs)}${run.error ? `: ${run.error}` : ""}`);
    if (run.status === "succeeded") return 0;
    return run.exitCode !== null && run.exitCode > 0 && run.exitCode < 256 ? run.exitCode : 1;
  },
};

export const cronHistoryCommand: Command = {
  name: "cron history",
  summary: "Recent runs of an app's cron jobs: start, duration, outcome and the last lines of output.",
  usage: "pier cron history --app APP [--job NAME] [--limit N] [--json]",
  flags: {
    ...appFlag,
    job: { type: "string", value: "NAME", help: "only this job" },
    limit: { type: "string", value: "N", help: "how many runs (default 20, at most 500)" },
    json: { type: "boolean", help: "print JSON" },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const limit = intFlag(args, "limit", this, { min: 1, max: 500 }) ?? 20;
    const query = { limit, ...(typeof args.flags.job === "string" ? { job: args.flags.job } : {}) };
    const { runs } = await pierApi(resolveConnection(args)).call("GET /api/v1/apps/:name/cron/history", {
      params: { name: app },
      query,
    });
    if (args.flags.json) {
      console.log(JSON.stringify(runs, null, 2));
      return 0;
    }
    if (runs.length === 0) {
      console.log("No runs yet.");
      return 0;
    }
    for (const run of runs) {
      console.log(
        `${run.startedAt}  ${run.job}  ${run.trigger}  ${outcome(run)}  ${seconds(run.durationMs)}${run.error ? `  ${run.error}` : ""}`,
      );
      for (const line of run.output.slice(-3)) console.log(`    | ${line}`);
    }
    return 0;
  },
};

export const cronCommands = [cronListCommand, cronRunCommand, cronHistoryCommand];
