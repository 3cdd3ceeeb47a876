import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import type { Command } from "./command.ts";
import { confirmByName, confirmFlag } from "./confirm.ts";

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
    const branch = args.flags["default-branch"];
    const body = {
      name: args.positionals[0]!,
      ...(typeof branch === "string" ? { defaultBranch: branch } : {}),
    };
    const connection = resolveConnection(args);
    const { app } = await pierApi(connection).call("POST /api/v1/apps", { body });
    console.log(`Created app ${app.name} (production branch: ${app.defaultBranch}).`);
    console.log(gitRemoteHint(connection.url, app.name, app.defaultBranch));
    return 0;
  },
};

/**
 * How to deploy a new app with git. The token stays a placeholder: printing the caller's own
 * (often admin) token would put it in terminal scrollback and CI logs.
 */
export function gitRemoteHint(consoleUrl: string, app: string, branch: string): string {
  const url = new URL(consoleUrl);
  const remote = `${url.protocol}//x:TOKEN@${url.host}${url.pathname.replace(/\/+$/, "")}/git/${app}.git`;
  return [
    "Deploy it with git (TOKEN: an API token, e.g. from `pier token create --name " +
      `${app}-git --scope deploy --app ${app}\`):`,
    `  git remote add pier ${remote}`,
    `  git push pier ${branch}`,
    `Or from a directory: pier deploy DIR --app ${app}`,
  ].join("\n");
}

export const appsListCommand: Command = {
  name: "apps list",
  summary: "List apps.",
  usage: "pier apps list [--json]",
  flags: { json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const { apps } = await pierApi(resolveConnection(args)).call("GET /api/v1/apps");
    if (args.flags.json) {
      console.log(JSON.stringify(apps, null, 2));
    } else if (apps.length === 0) {
      console.log("No apps yet. Create one with `pier apps create NAME`.");
    } else {
      const width = Math.max(4, ...apps.map((a) => a.name.length));
      const branchWidth = Math.max(6, ...apps.map((a) => a.defaultBranch.length));
      console.log(`${"NAME".padEnd(width)}  ${"BRANCH".padEnd(branchWidth)}  CREATED`);
      for (const app of apps)
        console.log(`${app.name.padEnd(width)}  ${app.defaultBranch.padEnd(branchWidth)}  ${app.createdAt}`);
    }
    return 0;
  },
};

export const appsDeleteCommand: Command = {
  name: "apps delete",
  summary: "Delete an app with its domains, env vars, git repository and deployment history.",
  usage: "pier apps delete NAME [--confirm NAME]",
  positionals: [{ name: "NAME", required: true }],
  flags: { confirm: confirmFlag("NAME", "the app's name"), ...connectionFlags },
  async run(args) {
    const name = args.positionals[0]!;
    const api = pierApi(resolveConnection(args));
    await confirmByName(args, this, {
      target: name,
      prompt: `Delete ${name} with its env vars, git repository and deployment history (not undone)? Type its name to confirm: `,
      refusal: `deleting ${name} drops its env vars, git repository and deployment history for good: add --confirm ${name} to delete it without a prompt`,
      undone: "deleted",
      exists: () => api.call("GET /api/v1/apps/:name", { params: { name } }),
    });
    await api.call("DELETE /api/v1/apps/:name", { params: { name } });
    console.log(`Deleted app ${name}.`);
    return 0;
  },
};
