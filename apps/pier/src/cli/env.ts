import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, requireStringFlag, UsageError } from "./command.ts";

const appFlags = {
  app: { type: "string", value: "APP", help: "the app" },
  environment: {
    type: "string",
    value: "ENV",
    help: "only this environment (production or a preview name); default: all",
  },
  ...connectionFlags,
} as const;

export const envSetCommand: Command = {
  name: "env set",
  summary: "Set env vars (encrypted at rest); running replicas restart with the new values.",
  usage: "pier env set KEY=VALUE [KEY=VALUE...] --app APP [--plain] [--environment ENV]",
  positionals: [{ name: "KEY=VALUE", required: true }],
  variadic: true,
  flags: { ...appFlags, plain: { type: "boolean", help: "not a secret: show the value in lists" } },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    // Every pair is checked before anything is sent, and all of them go in one request: the app
    // gets all of them or none, and its replicas restart once.
    const vars = args.positionals.map((pair) => {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got "${pair}"`, this);
      return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    });
    const result = await pierApi(resolveConnection(args)).call("PUT /api/v1/apps/:name/env", {
      params: { name: app },
      body: {
        vars,
        secret: !args.flags.plain,
        environment: (args.flags.environment as string | undefined) ?? "",
      },
    });
    const restart = result.restarting.length ? `; restarting (${result.restarting.join(", ")})` : "";
    console.log(`Set ${result.keys.join(", ")} on ${app}${restart}`);
    return 0;
  },
};

export const envUnsetCommand: Command = {
  name: "env unset",
  summary: "Remove an env var; running replicas restart without it.",
  usage: "pier env unset KEY --app APP [--environment ENV]",
  positionals: [{ name: "KEY", required: true }],
  flags: appFlags,
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const environment = (args.flags.environment as string | undefined) || undefined;
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/apps/:name/env/:key", {
      params: { name: app, key: args.positionals[0]! },
      query: { environment },
    });
    console.log(`Removed ${args.positionals[0]} from ${app}`);
    return 0;
  },
};

export const envListCommand: Command = {
  name: "env list",
  summary: "List env vars (secret values masked).",
  usage: "pier env list --app APP [--json]",
  flags: { ...appFlags, json: { type: "boolean", help: "print JSON" } },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const { env } = await pierApi(resolveConnection(args)).call("GET /api/v1/apps/:name/env", {
      params: { name: app },
    });
    if (args.flags.json) console.log(JSON.stringify(env, null, 2));
    else if (env.length === 0)
      console.log(`No env vars on ${app}. Set one with \`pier env set KEY=VALUE --app ${app}\`.`);
    else for (const e of env) console.log(`${e.environment ? `[${e.environment}] ` : ""}${e.key}=${e.value}`);
    return 0;
  },
};
