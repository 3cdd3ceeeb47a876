import { scopeSchema } from "@pier/auth/scopes";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, requireStringFlag, UsageError } from "./command.ts";

export const tokenCreateCommand: Command = {
  name: "token create",
  summary: "Create an API token. It is printed once; pier keeps only its hash.",
  usage: "pier token create --name NAME [--scope admin|write|deploy|read,...] [--app APP,...]",
  flags: {
    name: { type: "string", value: "NAME", help: "what the token is for (e.g. ci)" },
    scope: { type: "string", value: "LIST", help: "comma-separated scopes (default admin)" },
    scopes: { type: "string", value: "LIST", help: "the same as --scope" },
    app: {
      type: "string",
      value: "APP,...",
      help: "limit the token to these apps: a CI secret for one repository cannot deploy another",
    },
    ...connectionFlags,
  },
  async run(args) {
    const list = (value: unknown) =>
      typeof value === "string"
        ? value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
    const requested = list(args.flags.scope ?? args.flags.scopes);
    const scopes = requested === undefined ? undefined : scopeSchema.array().safeParse(requested);
    if (scopes && !scopes.success)
      throw new UsageError(`--scope takes ${scopeSchema.options.join(", ")} (comma-separated)`);
    const body = {
      name: requireStringFlag(args, "name", tokenCreateCommand),
      ...(scopes ? { scopes: scopes.data } : {}),
      ...(list(args.flags.app) ? { apps: list(args.flags.app) } : {}),
    };
    const created = await pierApi(resolveConnection(args)).call("POST /api/v1/tokens", { body });
    const limited = created.apps ? ` for ${created.apps.join(", ")} only` : "";
    console.error(
      `Created token ${created.id} with scopes ${created.scopes.join(", ")}${limited}. Store it now:`,
    );
    console.log(created.token);
    // Admin stays the default (docs and scripts create CI tokens this way), but say what it costs.
    if (!scopes)
      console.error(
        `Note: without --scope the token is admin (every app, users, tokens, backups). A deploy-only token for CI: pier token create --name ${body.name} --scope deploy --app APP`,
      );
    return 0;
  },
};

export const tokenListCommand: Command = {
  name: "token list",
  summary: "List API tokens (hints only; the tokens themselves are never stored).",
  usage: "pier token list",
  flags: { ...connectionFlags },
  async run(args) {
    const { tokens } = await pierApi(resolveConnection(args)).call("GET /api/v1/tokens");
    for (const t of tokens) {
      const apps = t.apps ? `  apps: ${t.apps.join(",")}` : "";
      console.log(
        `${t.id}  ${t.hint}  ${t.name}  [${t.scopes.join(",")}]${apps}${t.revokedAt ? "  revoked" : ""}`,
      );
    }
    return 0;
  },
};

export const tokenRevokeCommand: Command = {
  name: "token revoke",
  summary: "Revoke an API token by id.",
  usage: "pier token revoke ID",
  positionals: [{ name: "ID", required: true }],
  flags: { ...connectionFlags },
  async run(args) {
    const id = args.positionals[0]!;
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/tokens/:id", { params: { id } });
    console.log(`Revoked ${id}.`);
    return 0;
  },
};
