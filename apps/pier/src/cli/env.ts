import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, requireStringFlag, UsageError } from "./command.ts";
import { followRestarts, listWords } from "./restart-follow.ts";

const appFlags = {
  app: { type: "string", value: "APP", help: "the app" },
  environment: {
    type: "string",
    value: "ENV",
    help: "only this environment (production or a preview name); default: all",
  },
  ...connectionFlags,
} as const;

const changeFlags = {
  ...appFlags,
  detach: {
    type: "boolean",
    help: "return once the restart is queued, without following it (its outcome is not checked)",
  },
} as const;

const quoted = (commands: string[]) => listWords(commands.map((c) => `\`${c}\``));

export const envSetCommand: Command = {
  name: "env set",
  summary:
    "Set env vars (encrypted at rest); running replicas restart with the new values, and the command follows that restart (exit 1 if it fails).",
  usage: "pier env set KEY=VALUE [KEY=VALUE...] --app APP [--plain] [--environment ENV] [--detach]",
  positionals: [{ name: "KEY=VALUE", required: true }],
  variadic: true,
  flags: { ...changeFlags, plain: { type: "boolean", help: "not a secret: show the value in lists" } },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    // Every pair is checked before anything is sent, and all of them go in one request: the app
    // gets all of them or none, and its replicas restart once.
    const vars = args.positionals.map((pair) => {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got "${pair}"`, this);
      return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
    });
    const environment = (args.flags.environment as string | undefined) ?? "";
    const connection = resolveConnection(args);
    const result = await pierApi(connection).call("PUT /api/v1/apps/:name/env", {
      params: { name: app },
      body: { vars, secret: !args.flags.plain, environment },
    });
    const restart = result.restarting.length ? `; restarting (${result.restarting.join(", ")})` : "";
    console.log(`Set ${result.keys.join(", ")} on ${app}${restart}`);
    if (!result.restarting.length || args.flags.detach) return 0;
    const scope = environment ? ` --environment ${environment}` : "";
    return followRestarts(connection, result.restarting, {
      app,
      stored: `${listWords(result.keys)} ${result.keys.length === 1 ? "is" : "are"} stored on ${app}`,
      undo: `${quoted(result.keys.map((k) => `pier env unset ${k} --app ${app}${scope}`))} (or setting the previous value again)`,
    });
  },
};

export const envUnsetCommand: Command = {
  name: "env unset",
  summary:
    "Remove an env var; running replicas restart without it, and the command follows that restart (exit 1 if it fails).",
  usage: "pier env unset KEY --app APP [--environment ENV] [--detach]",
  positionals: [{ name: "KEY", required: true }],
  flags: changeFlags,
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const environment = (args.flags.environment as string | undefined) || undefined;
    const key = args.positionals[0]!;
    const connection = resolveConnection(args);
    const { restarting } = await pierApi(connection).call("DELETE /api/v1/apps/:name/env/:key", {
      params: { name: app, key },
      query: { environment },
    });
    console.log(
      `Removed ${key} from ${app}${restarting.length ? `; restarting (${restarting.join(", ")})` : ""}`,
    );
    if (!restarting.length || args.flags.detach) return 0;
    return followRestarts(connection, restarting, {
      app,
      stored: `${key} is removed from ${app}`,
      undo: quoted([
        `pier env set ${key}=VALUE --app ${app}${environment ? ` --environment ${environment}` : ""}`,
      ]),
    });
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
