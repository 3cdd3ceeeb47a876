import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import type { CliConfig } from "./cli-config.ts";
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

/** A variable a linked service puts in the app's env at each deploy (not stored with its env vars). */
export interface LinkedVar {
  key: string;
  service: string;
}

/** The variables linked services inject into `app`. Pure. */
export function linkedVars(
  services: { name: string; links: { app: string; envVar: string }[] }[],
  app: string,
): LinkedVar[] {
  return services.flatMap((s) =>
    s.links.filter((l) => l.app === app).map((l) => ({ key: l.envVar, service: s.name })),
  );
}

/**
 * Best effort: a token without access to services, or a pier without them, still lists and sets
 * env vars; only the note about linked variables is missing.
 */
async function fetchLinkedVars(connection: CliConfig, app: string): Promise<LinkedVar[]> {
  try {
    const { services } = await pierApi(connection).call("GET /api/v1/services");
    return linkedVars(services, app);
  } catch {
    return [];
  }
}

/** The `env list` lines: stored vars, then what links inject, and which stored var overrides one. Pure. */
export function renderEnvList(
  env: { key: string; value: string; environment: string | null }[],
  linked: LinkedVar[],
): string[] {
  const stored = env.map((e) => `${e.environment ? `[${e.environment}] ` : ""}${e.key}=${e.value}`);
  const injected = linked.map((l) =>
    env.some((e) => e.key === l.key)
      ? `${l.key}  (from service ${l.service}; overridden by the value set above)`
      : `${l.key}  (from service ${l.service})`,
  );
  return [...stored, ...injected];
}

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
    for (const linked of await fetchLinkedVars(connection, app))
      if (vars.some((v) => v.key === linked.key))
        console.error(
          `Note: ${linked.key} comes from the linked service ${linked.service}; the value set here overrides it (\`pier env unset ${linked.key} --app ${app}\` gives it back).`,
        );
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
  usage: "pier env list --app APP [--environment ENV] [--json]",
  flags: {
    ...appFlags,
    json: {
      type: "boolean",
      help: "print JSON (the stored vars only, without those linked services inject)",
    },
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const connection = resolveConnection(args);
    const environment = args.flags.environment as string | undefined;
    const { env: all } = await pierApi(connection).call("GET /api/v1/apps/:name/env", {
      params: { name: app },
    });
    // A var set for every environment (null) applies to the one asked for too.
    const env = environment
      ? all.filter((e) => e.environment === null || e.environment === environment)
      : all;
    if (args.flags.json) {
      console.log(JSON.stringify(env, null, 2));
      return 0;
    }
    const lines = renderEnvList(env, await fetchLinkedVars(connection, app));
    if (lines.length === 0)
      console.log(`No env vars on ${app}. Set one with \`pier env set KEY=VALUE --app ${app}\`.`);
    for (const line of lines) console.log(line);
    return 0;
  },
};
