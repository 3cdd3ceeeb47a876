import { apiRequest, connectionFlags, resolveConnection } from "./api-client.ts";
import type { Command } from "./command.ts";

interface AppView {
  name: string;
  defaultBranch: string;
  createdAt: string;
}

export const appsCreateCommand: Command = {
  name: "apps create",
  summary: "Create an app (a name that deployments, domains and env vars belong to).",
  usage: "pier apps create NAME [--default-branch BRANCH]",
  positionals: [{ name: "NAME", required: true }],
  flags: {
    "default-branch": {
      type: "string",
      value: "BRANCH",
      help: "branch whose pushes go to production (default main)",
    },
    ...connectionFlags,
  },
  async run(args) {
    const body: Record<string, string> = { name: args.positionals[0]! };
    if (typeof args.flags["default-branch"] === "string") body.defaultBranch = args.flags["default-branch"];
    const { app } = await apiRequest<{ app: AppView }>(resolveConnection(args), "POST", "/api/v1/apps", body);
    console.log(`Created app ${app.name} (production branch: ${app.defaultBranch}).`);
    return 0;
  },
};

export const appsListCommand: Command = {
  name: "apps list",
  summary: "List apps.",
  usage: "pier apps list [--json]",
  flags: { json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const { apps } = await apiRequest<{ apps: AppView[] }>(resolveConnection(args), "GET", "/api/v1/apps");
    if (args.flags.json) {
      console.log(JSON.stringify(apps, null, 2));
    } else if (apps.length === 0) {
      console.log("No apps yet. Create one with `pier apps create NAME`.");
    } else {
      const width = Math.max(4, ...apps.map((a) => a.name.length));
      console.log(`${"NAME".padEnd(width)}  BRANCH  CREATED`);
      for (const app of apps)
        console.log(`${app.name.padEnd(width)}  ${app.defaultBranch.padEnd(6)}  ${app.createdAt}`);
    }
    return 0;
  },
};

export const appsDeleteCommand: Command = {
  name: "apps delete",
  summary: "Delete an app with its domains, env vars and deployment history.",
  usage: "pier apps delete NAME",
  positionals: [{ name: "NAME", required: true }],
  flags: { ...connectionFlags },
  async run(args) {
    const name = args.positionals[0]!;
    await apiRequest(resolveConnection(args), "DELETE", `/api/v1/apps/${encodeURIComponent(name)}`);
    console.log(`Deleted app ${name}.`);
    return 0;
  },
};
