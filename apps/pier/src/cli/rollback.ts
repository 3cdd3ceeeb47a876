import { ApiRequestError, connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import type { Command } from "./command.ts";
import { requireStringFlag } from "./command.ts";
import { followDeployment } from "./deploy.ts";

export const rollbackCommand: Command = {
  name: "rollback",
  summary: "Put an earlier release back live (health-checked, like any deploy).",
  usage: "pier rollback --app APP [--to DEPLOYMENT_ID]",
  flags: {
    app: { type: "string", value: "APP", help: "app to roll back" },
    to: { type: "string", value: "ID", help: "deployment to go back to (default: the previous release)" },
    detach: { type: "boolean", help: "do not follow the log" },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const connection = resolveConnection(args);
    const to = typeof args.flags.to === "string" ? args.flags.to : undefined;
    const body = to === undefined ? {} : { to };
    const { deployment } = await pierApi(connection)
      .call("POST /api/v1/apps/:name/rollback", { params: { name: app }, body })
      .catch((error: unknown) => {
        // An unknown, live or never-live --to: the server names release IDs and dates only; the
        // list shows their commits too.
        if (
          error instanceof ApiRequestError &&
          to !== undefined &&
          ["not_found", "conflict"].includes(error.code)
        )
          error.message += `\nList ${app}'s deployments with their commits: pier deployments list --app ${app}`;
        throw error;
      });
    console.error(`Rollback ${deployment.id} queued`);
    return args.flags.detach ? 0 : followDeployment(connection, deployment.id);
  },
};
