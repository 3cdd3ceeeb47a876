import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
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
    const body = typeof args.flags.to === "string" ? { to: args.flags.to } : {};
    const { deployment } = await pierApi(connection).call("POST /api/v1/apps/:name/rollback", {
      params: { name: app },
      body,
    });
    console.error(`Rollback ${deployment.id} queued`);
    return args.flags.detach ? 0 : followDeployment(connection, deployment.id);
  },
};
