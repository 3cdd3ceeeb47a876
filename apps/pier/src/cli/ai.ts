import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, type ParsedArgs, requireStringFlag, UsageError } from "./command.ts";
import { table } from "./table.ts";

// `pier ai ...`: the AI gateway's providers, aliases, keys and spend, over /api/v1/ai.

const providerKinds = ["openai", "openai-compatible", "anthropic"] as const;

const list = (value: unknown) =>
  typeof value === "string" && value
    ? value
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/**
 * A number flag, or undefined when absent. A count (requests or tokens per minute) is a whole
 * number from 1: a limit of 0 would stop the key, which is what a budget of 0 (an amount) is for.
 */
function numberFlag(
  args: ParsedArgs,
  flag: string,
  command: Command,
  kind: "count" | "amount",
): number | undefined {
  const raw = args.flags[flag];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (kind === "amount" && (!Number.isFinite(value) || value < 0))
    throw new UsageError(`--${flag} must be a number ≥ 0`, command);
  if (kind === "count" && (!Number.isInteger(value) || value < 1))
    throw new UsageError(`--${flag} must be a whole number ≥ 1`, command);
  return value;
}

export const aiProviderCommand: Command = {
  name: "ai provider",
  summary: "Add or replace an AI provider (its API key is stored encrypted).",
  usage:
    "pier ai provider NAME --kind openai|openai-compatible|anthropic [--base-url URL] [--api-key-stdin] [--models a,b]",
  positionals: [{ name: "NAME", required: true }],
  flags: {
    kind: { type: "string", value: "KIND", help: "openai, openai-compatible or anthropic" },
    "base-url": {
      type: "string",
      value: "URL",
      help: "API base, e.g. http://127.0.0.1:11434/v1 (required for openai-compatible)",
    },
    "api-key-stdin": { type: "boolean", help: "read the provider's API key from standard input" },
    models: { type: "string", value: "LIST", help: "comma-separated models to list in /ai/v1/models" },
    ...connectionFlags,
  },
  async run(args) {
    const flag = requireStringFlag(args, "kind", aiProviderCommand);
    const kind = providerKinds.find((k) => k === flag);
    if (!kind) throw new UsageError(`--kind must be one of ${providerKinds.join(", ")}`, aiProviderCommand);
    const baseUrl = args.flags["base-url"];
    const body = {
      name: args.positionals[0]!,
      kind,
      models: list(args.flags.models),
      ...(typeof baseUrl === "string" ? { baseUrl } : {}),
      ...(args.flags["api-key-stdin"] ? { apiKey: (await Bun.stdin.text()).trim() } : {}),
    };
    await pierApi(resolveConnection(args)).call("POST /api/v1/ai/providers", { body });
    console.log(`Provider ${args.positionals[0]} saved; call its models as ${args.positionals[0]}/MODEL.`);
    return 0;
  },
};

export const aiProvidersCommand: Command = {
  name: "ai providers",
  summary: "List AI providers.",
  usage: "pier ai providers [--json]",
  flags: { json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const { providers } = await pierApi(resolveConnection(args)).call("GET /api/v1/ai/providers");
    if (args.flags.json) console.log(JSON.stringify(providers, null, 2));
    else if (providers.length === 0)
      console.log("No providers yet. Add one with `pier ai provider NAME --kind openai --api-key-stdin`.");
    else
      console.log(
        table([
          ["NAME", "KIND", "BASE URL", "KEY", "MODELS"],
          ...providers.map((p) => [
            p.name,
            p.kind,
            p.baseUrl ?? "(default)",
            p.hasApiKey ? "yes" : "no",
            p.models.join(","),
          ]),
        ]),
      );
    return 0;
  },
};

export const aiAliasCommand: Command = {
  name: "ai alias",
  summary: "Map a model name to provider/model targets, tried in order (fallbacks).",
  usage: "pier ai alias NAME PROVIDER/MODEL[,PROVIDER/MODEL...]",
  positionals: [
    { name: "NAME", required: true },
    { name: "TARGETS", required: true },
  ],
  flags: { ...connectionFlags },
  async run(args) {
    const targets = list(args.positionals[1]);
    await pierApi(resolveConnection(args)).call("POST /api/v1/ai/aliases", {
      body: { name: args.positionals[0]!, targets },
    });
    console.log(`Model ${args.positionals[0]} → ${targets.join(" → ")}`);
    return 0;
  },
};

export const aiKeyCommand: Command = {
  name: "ai key",
  summary: "Issue a virtual AI key (printed once) with optional model list, rate limits and budget.",
  usage: "pier ai key NAME [--app APP] [--models a,b] [--rpm N] [--tpm N] [--budget USD]",
  positionals: [{ name: "NAME", required: true }],
  flags: {
    app: { type: "string", value: "APP", help: "attribute usage and spend to this app" },
    models: {
      type: "string",
      value: "LIST",
      help: "allowed models (aliases, provider/model, provider/*); default all",
    },
    rpm: { type: "string", value: "N", help: "requests per minute" },
    tpm: { type: "string", value: "N", help: "tokens per minute" },
    budget: { type: "string", value: "USD", help: "monthly budget in USD; 402 once spent" },
    ...connectionFlags,
  },
  async run(args) {
    const rpm = numberFlag(args, "rpm", aiKeyCommand, "count");
    const tpm = numberFlag(args, "tpm", aiKeyCommand, "count");
    const budget = numberFlag(args, "budget", aiKeyCommand, "amount");
    const body = {
      name: args.positionals[0]!,
      allowedModels: list(args.flags.models),
      ...(typeof args.flags.app === "string" ? { app: args.flags.app } : {}),
      ...(rpm !== undefined ? { requestsPerMinute: rpm } : {}),
      ...(tpm !== undefined ? { tokensPerMinute: tpm } : {}),
      ...(budget !== undefined ? { monthlyBudgetUsd: budget } : {}),
    };
    const { key, secret } = await pierApi(resolveConnection(args)).call("POST /api/v1/ai/keys", { body });
    console.error(
      `Created AI key ${key.id}. Shown once; use it as OPENAI_API_KEY with OPENAI_BASE_URL=<pier>/ai/v1:`,
    );
    console.log(secret);
    return 0;
  },
};

/** `none` clears a limit; a number sets it; an absent flag leaves it alone. */
function limitFlag(
  args: ParsedArgs,
  flag: string,
  command: Command,
  kind: "count" | "amount",
): number | null | undefined {
  if (args.flags[flag] === "none") return null;
  return numberFlag(args, flag, command, kind);
}

export const aiLimitsCommand: Command = {
  name: "ai limits",
  summary: "Change the limits of a virtual AI key (e.g. the deploy key of an app).",
  usage: "pier ai limits KEY_ID [--rpm N|none] [--tpm N|none] [--budget USD|none] [--models a,b]",
  positionals: [{ name: "KEY_ID", required: true }],
  flags: {
    rpm: { type: "string", value: "N", help: "requests per minute, or none" },
    tpm: { type: "string", value: "N", help: "tokens per minute, or none" },
    budget: { type: "string", value: "USD", help: "monthly budget in USD, or none" },
    models: {
      type: "string",
      value: "LIST",
      help: "allowed models; an empty string allows all",
      allowEmpty: true,
    },
    ...connectionFlags,
  },
  async run(args) {
    const rpm = limitFlag(args, "rpm", aiLimitsCommand, "count");
    const tpm = limitFlag(args, "tpm", aiLimitsCommand, "count");
    const budget = limitFlag(args, "budget", aiLimitsCommand, "amount");
    const body = {
      ...(rpm !== undefined ? { requestsPerMinute: rpm } : {}),
      ...(tpm !== undefined ? { tokensPerMinute: tpm } : {}),
      ...(budget !== undefined ? { monthlyBudgetUsd: budget } : {}),
      ...(typeof args.flags.models === "string" ? { allowedModels: list(args.flags.models) } : {}),
    };
    if (Object.keys(body).length === 0)
      throw new UsageError("nothing to change: pass --rpm, --tpm, --budget or --models", aiLimitsCommand);
    await pierApi(resolveConnection(args)).call("PATCH /api/v1/ai/keys/:id", {
      params: { id: args.positionals[0]! },
      body,
    });
    console.log(`Updated ${args.positionals[0]}.`);
    return 0;
  },
};

export const aiKeysCommand: Command = {
  name: "ai keys",
  summary: "List virtual AI keys.",
  usage: "pier ai keys [--json]",
  flags: { json: { type: "boolean", help: "print JSON" }, ...connectionFlags },
  async run(args) {
    const { keys } = await pierApi(resolveConnection(args)).call("GET /api/v1/ai/keys");
    if (args.flags.json) console.log(JSON.stringify(keys, null, 2));
    else
      console.log(
        table([
          ["ID", "NAME", "KEY", "APP", "BUDGET", "STATE"],
          ...keys.map((k) => [
            k.id,
            k.name,
            k.hint,
            k.app ?? "-",
            k.monthlyBudgetUsd == null ? "-" : `$${k.monthlyBudgetUsd}`,
            k.revokedAt ? "revoked" : "active",
          ]),
        ]),
      );
    return 0;
  },
};

export const aiRevokeCommand: Command = {
  name: "ai revoke",
  summary: "Revoke a virtual AI key.",
  usage: "pier ai revoke KEY_ID",
  positionals: [{ name: "KEY_ID", required: true }],
  flags: { ...connectionFlags },
  async run(args) {
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/ai/keys/:id", {
      params: { id: args.positionals[0]! },
    });
    console.log(`Revoked ${args.positionals[0]}.`);
    return 0;
  },
};

export const aiSpendCommand: Command = {
  name: "ai spend",
  summary: "Spend per app and model over the last days.",
  usage: "pier ai spend [--days N] [--app APP] [--json]",
  flags: {
    days: { type: "string", value: "N", help: "how far back, 1 to 3650 (default 30)" },
    app: { type: "string", value: "APP", help: "only this app" },
    json: { type: "boolean", help: "print the full JSON report (with the daily series)" },
    ...connectionFlags,
  },
  async run(args) {
    const days = intFlag(args, "days", aiSpendCommand, { min: 1, max: 3650 }) ?? 30;
    const report = await pierApi(resolveConnection(args)).call("GET /api/v1/ai/spend", {
      query: {
        from: new Date(Date.now() - days * 86_400_000).toISOString(),
        interval: "day",
        ...(typeof args.flags.app === "string" ? { app: args.flags.app } : {}),
      },
    });
    if (args.flags.json) {
      console.log(JSON.stringify(report, null, 2));
      return 0;
    }
    const row = (name: string, t: (typeof report)["total"]) => [
      name,
      String(t.requests),
      String(t.promptTokens + t.completionTokens),
      `$${t.costUsd.toFixed(4)}`,
    ];
    console.log(table([["APP", "REQUESTS", "TOKENS", "COST"], ...report.byApp.map((a) => row(a.app, a))]));
    console.log();
    console.log(
      table([
        ["MODEL", "REQUESTS", "TOKENS", "COST"],
        ...report.byModel.map((m) => row(m.model, m)),
        row("total", report.total),
      ]),
    );
    return 0;
  },
};

export const aiCommands: Command[] = [
  aiProviderCommand,
  aiProvidersCommand,
  aiAliasCommand,
  aiKeyCommand,
  aiKeysCommand,
  aiLimitsCommand,
  aiRevokeCommand,
  aiSpendCommand,
];
