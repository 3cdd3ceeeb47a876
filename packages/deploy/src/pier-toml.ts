import { parseSchedule, ScheduleError, secondsAllowed } from "@pier/cron/schedule";
import { z } from "zod";
import { PierTomlError } from "./errors.ts";
import { parseDuration, parseMemory } from "./quantities.ts";
import { deployDefaults } from "./settings.ts";

const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === null) {
    ctx.addIssue({
      code: "custom",
      message: `expected a duration like "2s", "500ms" or a number of seconds`,
    });
    return z.NEVER;
  }
  return ms;
});

const memory = z.union([z.number(), z.string()]).transform((value, ctx) => {
  // "none" lifts the default cap: for apps sized by their host, e.g. a database on its own machine.
  if (value === "none") return null;
  const bytes = parseMemory(value);
  // Docker refuses limits under 6 MiB; saying so here beats a cryptic daemon error at deploy time.
  if (bytes === null || bytes < 6 * 1024 * 1024) {
    ctx.addIssue({
      code: "custom",
      message: `expected a memory size of at least 6m, like "512m" or "1g", or "none" for no limit`,
    });
    return z.NEVER;
  }
  return bytes;
});

const relativePath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith("/") && !p.split("/").includes(".."),
    "must be a relative path inside the repo",
  );

const d = deployDefaults;

/** A command: a string runs through `/bin/sh -c` (pipes, &&); an array runs as is (no shell). */
const command = z.union([z.string().min(1).max(4096), z.array(z.string().max(4096)).min(1).max(256)]);

const sleepAfter = duration.refine((ms) => ms >= 1000, "must be at least 1s");

/** A Swarm placement constraint: `node.labels.zone==b`, `node.platform.arch!=aarch64`, `node.role==worker`. */
const placementConstraint = z
  .string()
  .trim()
  .regex(
    /^(node\.(id|hostname|role|platform\.os|platform\.arch|labels\.[A-Za-z0-9_.-]+)|engine\.labels\.[A-Za-z0-9_.-]+)\s*(==|!=)\s*[A-Za-z0-9_.:/-]+$/,
    'expected a constraint like "node.labels.zone==b", "node.role!=manager" or "node.platform.arch==aarch64"',
  );

/** An OCI platform pier can build for and Swarm can place by. */
const platform = z
  .string()
  .regex(
    /^linux\/(amd64|arm64|arm\/v7|arm\/v6|386|ppc64le|s390x|riscv64)$/,
    'expected a platform like "linux/amd64" or "linux/arm64"',
  );

const cronJob = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, - and _ (up to 63), e.g. "digest"'),
    schedule: z.string().min(1).max(200),
    timezone: z.string().min(1).max(64).default("UTC"),
    /** Runs in a one-off container of the current release... */
    command: command.optional(),
    /** ...or is a request to the app's own route (GET, through the proxy). */
    path: z.string().startsWith("/", "must start with /").max(2048).optional(),
    /** What to do when the previous run is still going: skip this one, or queue it. */
    overlap: z.enum(["skip", "queue"]).default("skip"),
    timeout: duration.default(d.cron.timeoutMs),
    retries: z.int().min(0).max(10).default(0),
    /** Run once at start when pier was down at a scheduled time. */
    catch_up: z.boolean().default(false),
  })
  .superRefine((job, ctx) => {
    if ((job.command === undefined) === (job.path === undefined))
      ctx.addIssue({ code: "custom", path: ["command"], message: "a job has either command or path" });
    try {
      parseSchedule(job.schedule, { timezone: job.timezone, seconds: secondsAllowed() });
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      ctx.addIssue({ code: "custom", path: ["schedule"], message: error.message });
    }
  });

export const pierTomlSchema = z.strictObject({
  health: z
    .strictObject({
      path: z.string().startsWith("/", "must start with /").default(d.health.path),
      interval: duration.default(d.health.intervalMs),
      timeout: duration.default(d.health.timeoutMs),
      /** Keep probing live replicas after the deploy; an unhealthy one is replaced. */
      liveness: z.boolean().default(true),
      liveness_interval: duration.default(d.health.livenessIntervalMs),
      /** Failed probes in a row before a live replica is replaced. */
      liveness_failures: z.int().min(1).max(100).default(d.health.livenessFailures),
    })
    .prefault({}),
  deploy: z
    .strictObject({
      replicas: z.int().min(1).max(32).default(d.deploy.replicas),
      port: z.int().min(1).max(65535).default(d.deploy.port),
      timeout: duration.default(d.deploy.timeoutMs),
      drain_timeout: duration.default(d.deploy.drainTimeoutMs),
      stop_timeout: duration.default(d.deploy.stopTimeoutMs),
      /** Run as this user (`name`, `uid` or `uid:gid`) instead of the image's own USER. */
      user: z
        .string()
        .regex(/^[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$/, 'expected a user like "app", "1000" or "1000:1000"')
        .optional(),
      /** A read-only root filesystem; /tmp stays writable (in memory). */
      read_only: z.boolean().default(false),
      /** Run once per deploy in a one-off container of the new image, before any replica starts. */
      release_command: command.optional(),
      release_timeout: duration.default(d.deploy.releaseTimeoutMs),
      /** Stop the replicas after this long without requests (every environment); none by default. */
      sleep_after: sleepAfter.optional(),
      /**
       * "rolling": new replicas start while the old ones serve (zero downtime; old and new share
       * any volume for a moment). "stop-first": the old ones stop before the new ones start, for
       * apps that cannot share their files (SQLite in a volume): a short outage on every deploy.
       */
      strategy: z.enum(["rolling", "stop-first"]).optional(),
      /** On a cluster: Swarm placement constraints every replica must satisfy (`node.labels.zone==b`). */
      placement: z.array(placementConstraint).max(32).default([]),
      /** On a cluster: "node" spreads replicas over nodes (one per node while there are enough). */
      spread: z.enum(["node", "none"]).default("node"),
      /** On a cluster: the platforms to build and run (`linux/arm64`); default every one placement allows. */
      platforms: z.array(platform).min(1).max(8).optional(),
      /**
       * How the proxy and the health checks speak to the replicas: "http1" (pooled HTTP/1.1), or
       * "h2c", HTTP/2 without TLS by prior knowledge, for apps that only speak HTTP/2 (gRPC).
       */
      upstream_protocol: z.enum(["http1", "h2c"]).default("http1"),
    })
    .prefault({}),
  build: z
    .strictObject({
      dockerfile: relativePath.default(d.build.dockerfile),
      context: relativePath.default(d.build.context),
      args: z
        .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
        .default({}),
    })
    .prefault({}),
  resources: z
    .strictObject({
      memory: memory.default(d.resources.memoryBytes),
      cpus: z.number().positive().max(256).optional(),
      pids: z.int().min(16).max(1_000_000).default(d.resources.pids),
    })
    .prefault({}),
  static: z
    .strictObject({
      /** Directory with the site: the repo itself for plain sites, the build output otherwise. */
      dir: relativePath.optional(),
      /** Serve index.html for unknown paths (single-page apps). */
      spa: z.boolean().default(false),
    })
    .prefault({}),
  preview: z
    .strictObject({
      /** Stop a preview's replicas after this long without requests; overrides [deploy] sleep_after. */
      sleep_after: sleepAfter.optional(),
      /** A preview's linked databases: production's ("shared"), a new empty one, or a copy of production's. */
      database: z.enum(["shared", "empty", "copy"]).optional(),
    })
    .prefault({}),
  /** Named volumes that outlive releases: `[[volumes]] name = "uploads" path = "/app/uploads"`. */
  volumes: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(
            /^[a-z0-9][a-z0-9_-]{0,39}$/,
            "volume names are lowercase letters, digits, - and _ (40 at most)",
          ),
        path: z
          .string()
          .regex(/^\/[^\0]*$/, "must be an absolute path in the container")
          .refine((p) => !p.split("/").includes(".."), "must not contain ..")
          .refine((p) => p !== "/", "must not be /"),
      }),
    )
    .max(16)
    .superRefine((volumes, ctx) => {
      const names = new Set<string>();
      const paths = new Set<string>();
      volumes.forEach((volume, index) => {
        if (names.has(volume.name))
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `volume "${volume.name}" is declared twice`,
          });
        if (paths.has(volume.path))
          ctx.addIssue({
            code: "custom",
            path: [index, "path"],
            message: `two volumes are mounted at ${volume.path}`,
          });
        names.add(volume.name);
        paths.add(volume.path);
      });
    })
    .default([]),
  cron: z
    .array(cronJob)
    .max(50)
    .superRefine((jobs, ctx) => {
      const seen = new Set<string>();
      jobs.forEach((job, index) => {
        if (seen.has(job.name))
          ctx.addIssue({
            code: "custom",
            path: [index, "name"],
            message: `two jobs are named "${job.name}"`,
          });
        seen.add(job.name);
      });
    })
    .default([]),
  env: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .superRefine((env, ctx) => {
      for (const name of Object.keys(env)) {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
          ctx.addIssue({ code: "custom", path: [name], message: "env names are letters, digits and _" });
        }
      }
    })
    .default({}),
});

export type PierConfig = z.infer<typeof pierTomlSchema>;

/**
 * A release's stored config (deployments.meta.config) with the defaults of keys added after it
 * was deployed: releases live on through rollbacks and restarts.
 */
export function completeConfig(config: PierConfig): PierConfig {
  const d = defaultPierConfig;
  return {
    ...d,
    ...config,
    health: { ...d.health, ...config.health },
    deploy: { ...d.deploy, ...config.deploy },
    preview: { ...d.preview, ...config.preview },
    cron: config.cron ?? [],
  };
}

/** pier.toml with every default applied; what a repo without pier.toml gets. */
export const defaultPierConfig: PierConfig = pierTomlSchema.parse({});

/** Parses pier.toml text. Throws PierTomlError naming the field and, when found, the line. */
export function parsePierToml(text: string): PierConfig {
  let raw: unknown;
  try {
    raw = Bun.TOML.parse(text);
  } catch (error) {
    const detail =
      error instanceof Error ? error.message.replace(/^TOML Parse error:\s*/, "") : String(error);
    throw new PierTomlError(`pier.toml is not valid TOML: ${detail}`, "");
  }
  const result = pierTomlSchema.safeParse(raw);
  if (result.success) return result.data;

  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const field = [...path, key].join(".");
    const line = findFieldLine(text, [...path, key]);
    const known = knownKeys(path);
    const hint = known.length ? ` (known: ${known.join(", ")})` : "";
    throw new PierTomlError(`pier.toml${at(line)}: unknown field "${field}"${hint}`, field, line);
  }
  const field = path.join(".");
  const line = findFieldLine(text, path);
  throw new PierTomlError(`pier.toml${at(line)}: ${field || "document"}: ${issue.message}`, field, line);
}

function at(line: number | undefined): string {
  return line ? ` line ${line}` : "";
}

function knownKeys(path: string[]): string[] {
  let shape: z.ZodType = pierTomlSchema;
  for (const key of path) {
    const inner = unwrapObject(shape);
    if (!inner) return [];
    shape = inner.shape[key] as z.ZodType;
  }
  const inner = unwrapObject(shape);
  return inner ? Object.keys(inner.shape) : [];
}

function unwrapObject(schema: z.ZodType | undefined): z.ZodObject | null {
  let current: unknown = schema;
  while (current && !(current instanceof z.ZodObject)) {
    const def = (current as { def?: { innerType?: unknown; in?: unknown } }).def;
    current = def?.innerType ?? def?.in;
  }
  return (current as z.ZodObject | undefined) ?? null;
}

/**
 * Best-effort line lookup: Bun.TOML keeps no positions, so scan for `[table]` headers and `key =`
 * lines (also dotted `table.key =` and inline `table = { key = ... }` forms).
 */
export function findFieldLine(text: string, path: string[]): number | undefined {
  if (path.length === 0) return undefined;
  const lines = text.split(/\r?\n/);
  let table = "";
  let tableLine: number | undefined;
  const wantTable = path.slice(0, -1).join(".");
  const key = path[path.length - 1]!;
  const keyPattern = (k: string) => new RegExp(`^\\s*(?:"${escapeRegex(k)}"|${escapeRegex(k)})\\s*=`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const header = /^\s*\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header) {
      table = header[1]!;
      if (table === path.join(".")) tableLine = i + 1;
      continue;
    }
    if (table === wantTable && keyPattern(key).test(line)) return i + 1;
    if (table === "" && keyPattern(path.join(".")).test(line)) return i + 1;
    if (table === "" && path.length > 1 && keyPattern(path[0]!).test(line) && line.includes(key))
      return i + 1;
  }
  if (tableLine) return tableLine;
  return path.length > 1 ? findFieldLine(text, path.slice(0, -1)) : undefined;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
