import type { PierRoute } from "@pier/contract";
import type { ClientInput, RouteOf } from "@pier/http/contract";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, type ParsedArgs, UsageError } from "./command.ts";
import { errorsSourcemapsCommand } from "./errors-sourcemaps.ts";
import { timeAgo } from "./time-ago.ts";

const json = { type: "boolean", help: "print JSON" } as const;
const str = (args: ParsedArgs, key: string) =>
  typeof args.flags[key] === "string" ? (args.flags[key] as string) : undefined;

type IssueFilters = NonNullable<ClientInput<RouteOf<PierRoute, "GET /api/v1/errors/issues">>["query"]>;

const statuses = ["unresolved", "resolved", "ignored"] as const;
const sorts = { "last-seen": "lastSeen", count: "count", users: "users", new: "firstSeen" } as const;
const isStatus = (value: string): value is (typeof statuses)[number] =>
  (statuses as readonly string[]).includes(value);
const isSort = (value: string): value is keyof typeof sorts => Object.hasOwn(sorts, value);

/** Flags → the issues list query; pure so it is testable without a server. */
export function issueFiltersFromFlags(args: ParsedArgs, command: Command): IssueFilters {
  const filters: IssueFilters = {};
  const project = str(args, "project");
  const app = str(args, "app");
  if (project && app) throw new UsageError("give --project or --app, not both", command);
  if (project) filters.project = project;
  if (app) filters.app = app;
  const status = str(args, "status") ?? "unresolved";
  if (status !== "all") {
    if (!isStatus(status)) throw new UsageError("--status is unresolved, resolved, ignored or all", command);
    filters.status = status;
  }
  const environment = str(args, "environment");
  if (environment) filters.environment = environment;
  const release = str(args, "release");
  if (release) filters.release = release;
  const sort = str(args, "sort");
  if (sort) {
    if (!isSort(sort)) throw new UsageError("--sort is last-seen, count, users or new", command);
    filters.sort = sorts[sort];
  }
  return filters;
}

/** The same filters as the query string the client sends. */
export function issueQueryFromFlags(args: ParsedArgs, command: Command): string {
  return new URLSearchParams(
    Object.entries(issueFiltersFromFlags(args, command)).map(([key, value]) => [key, String(value)]),
  ).toString();
}

export const errorsProjectsCommand: Command = {
  name: "errors projects",
  summary: "List error-tracking projects and their DSNs.",
  usage: "pier errors projects [--json]",
  flags: { json, ...connectionFlags },
  async run(args) {
    const { projects } = await pierApi(resolveConnection(args)).call("GET /api/v1/errors/projects");
    if (args.flags.json) console.log(JSON.stringify(projects, null, 2));
    else if (projects.length === 0)
      console.log(
        "No projects yet. Create one with `pier errors create NAME`; deployed apps get one automatically.",
      );
    else for (const p of projects) console.log(`${String(p.id).padStart(4)}  ${p.name}  ${p.dsn}`);
    return 0;
  },
};

export const errorsCreateCommand: Command = {
  name: "errors create",
  summary: "Create a standalone error-tracking project (for an app hosted elsewhere) and print its DSN.",
  usage: "pier errors create NAME [--platform P] [--rate-limit N] [--webhook URL --webhook-secret S]",
  positionals: [{ name: "NAME", required: true }],
  flags: {
    platform: {
      type: "string",
      value: "P",
      help: "SDK platform label, e.g. node, python (default javascript)",
    },
    "rate-limit": {
      type: "string",
      value: "N",
      help: "events per minute per key, 0 = unlimited (default 6000)",
    },
    webhook: { type: "string", value: "URL", help: "POSTed on every new or regressed issue" },
    "webhook-secret": { type: "string", value: "S", help: "HMAC-SHA256 key for X-Pier-Signature" },
    json,
    ...connectionFlags,
  },
  async run(args) {
    let rateLimitPerMinute: number | undefined;
    if (str(args, "rate-limit") !== undefined) {
      rateLimitPerMinute = Number(str(args, "rate-limit"));
      if (!Number.isInteger(rateLimitPerMinute) || rateLimitPerMinute < 0)
        throw new UsageError("--rate-limit must be a whole number >= 0", this);
    }
    const body = {
      name: args.positionals[0]!,
      ...(str(args, "platform") ? { platform: str(args, "platform") } : {}),
      ...(rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute }),
      ...(str(args, "webhook") ? { webhookUrl: str(args, "webhook") } : {}),
      ...(str(args, "webhook-secret") ? { webhookSecret: str(args, "webhook-secret") } : {}),
    };
    const { project } = await pierApi(resolveConnection(args)).call("POST /api/v1/errors/projects", {
      body,
    });
    if (args.flags.json) console.log(JSON.stringify(project, null, 2));
    else console.log(`Project ${project.name} (id ${project.id})\nSENTRY_DSN=${project.dsn}`);
    return 0;
  },
};

export const errorsIssuesCommand: Command = {
  name: "errors issues",
  summary: "List error issues (unresolved by default), newest activity first.",
  usage:
    "pier errors issues [--project ID | --app NAME] [--status unresolved|resolved|ignored|all] [--environment E] [--release R] [--sort last-seen|count|users|new] [--json]",
  flags: {
    project: { type: "string", value: "ID", help: "only this project" },
    app: { type: "string", value: "NAME", help: "only this app's project" },
    status: { type: "string", value: "STATUS", help: "unresolved (default), resolved, ignored or all" },
    environment: { type: "string", value: "E", help: "only issues seen in this environment" },
    release: { type: "string", value: "R", help: "only issues seen in this release" },
    sort: { type: "string", value: "ORDER", help: "last-seen (default), count, users or new" },
    json,
    ...connectionFlags,
  },
  async run(args) {
    const { issues, total } = await pierApi(resolveConnection(args)).call("GET /api/v1/errors/issues", {
      query: issueFiltersFromFlags(args, this),
    });
    if (args.flags.json) console.log(JSON.stringify(issues, null, 2));
    else if (issues.length === 0) console.log("No issues match.");
    else {
      console.log("ISSUE                 EVENTS  USERS  LAST SEEN  STATUS      TITLE");
      for (const i of issues) {
        const status = i.substatus === "regressed" ? "regressed" : i.status;
        console.log(
          `${i.id.padEnd(20)}  ${String(i.count).padStart(6)}  ${String(i.usersCount).padStart(5)}  ${timeAgo(i.lastSeen).padStart(9)}  ${status.padEnd(10)}  ${i.title}`,
        );
      }
      if (total > issues.length) console.log(`… ${total - issues.length} more (use --json or the dashboard)`);
    }
    return 0;
  },
};

function statusCommand(
  verb: "resolve" | "ignore" | "reopen",
  status: (typeof statuses)[number],
  summary: string,
): Command {
  return {
    name: `errors ${verb}`,
    summary,
    usage: `pier errors ${verb} ISSUE_ID${verb === "resolve" ? " [--release R]" : ""}`,
    positionals: [{ name: "ISSUE_ID", required: true }],
    flags: {
      ...(verb === "resolve"
        ? { release: { type: "string", value: "R", help: "resolved in R: only later releases regress it" } }
        : {}),
      ...connectionFlags,
    },
    async run(args) {
      const release = str(args, "release");
      const { issue } = await pierApi(resolveConnection(args)).call("PATCH /api/v1/errors/issues/:id", {
        params: { id: args.positionals[0]! },
        body: { status, ...(release ? { resolvedInRelease: release } : {}) },
      });
      console.log(`${issue.id}: ${issue.status} — ${issue.title}`);
      return 0;
    },
  };
}

export const errorsCommands: Command[] = [
  errorsProjectsCommand,
  errorsCreateCommand,
  errorsIssuesCommand,
  errorsSourcemapsCommand,
  statusCommand("resolve", "resolved", "Mark an issue resolved; an event from a newer release reopens it."),
  statusCommand("ignore", "ignored", "Ignore an issue: events are still counted, no notifications."),
  statusCommand("reopen", "unresolved", "Mark an issue unresolved again."),
];
