import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, requireStringFlag } from "./command.ts";

const flags = { app: { type: "string", value: "APP", help: "the app" }, ...connectionFlags } as const;

export const domainsAddCommand: Command = {
  name: "domains add",
  summary: "Route a domain to an app's production release and request its TLS certificate.",
  usage: "pier domains add HOST --app APP",
  positionals: [{ name: "HOST", required: true }],
  flags,
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    await pierApi(resolveConnection(args)).call("POST /api/v1/apps/:name/domains", {
      params: { name: app },
      body: { host: args.positionals[0]! },
    });
    console.log(`${args.positionals[0]} now routes to ${app}. Point its DNS A/AAAA records at this server.`);
    return 0;
  },
};

export const domainsRemoveCommand: Command = {
  name: "domains remove",
  summary: "Detach a domain from an app.",
  usage: "pier domains remove HOST --app APP",
  positionals: [{ name: "HOST", required: true }],
  flags,
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/apps/:name/domains/:host", {
      params: { name: app, host: args.positionals[0]! },
    });
    console.log(`Removed ${args.positionals[0]} from ${app}.`);
    return 0;
  },
};

export const domainsListCommand: Command = {
  name: "domains list",
  summary: "List an app's domains.",
  usage: "pier domains list --app APP",
  flags,
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const { domains } = await pierApi(resolveConnection(args)).call("GET /api/v1/apps/:name/domains", {
      params: { name: app },
    });
    if (domains.length === 0) console.log(`No domains on ${app}.`);
    for (const d of domains) console.log(d.host);
    return 0;
  },
};
