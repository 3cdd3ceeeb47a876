import type { Scope } from "@pier/auth/scopes";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import type { Command } from "./command.ts";

export const tokenCreateCommand: Command = {
  name: "token create",
  summary: "Create an API token. It is printed once; pier keeps only its hash.",
  usage: "pier token create --name NAME [--scopes admin|write|deploy|read,...]",
  flags: {
    name: { type: "string", value: "NAME", help: "what the token is for (e.g. ci)" },
    scopes: { type: "string", value: "LIST", help: "comma-separated scopes (default admin)" },
    ...connectionFlags,
  },
  async run(args) {
    const body: { name: string; scopes?: Scope[] } = {
      name: (args.flags.name as string | undefined) ?? "cli",
    };
    // Unchecked here: the server refuses an unknown scope with the list of valid ones.
    if (typeof args.flags.scopes === "string")
      body.scopes = args.flags.scopes.split(",").map((s) => s.trim() as Scope);
    const created = await pierApi(resolveConnection(args)).call("POST /api/v1/tokens", { body });
    console.error(`Created token ${created.id} with scopes ${created.scopes.join(", ")}. Store it now:`);
    console.log(created.token);
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
      console.log(`${t.id}  ${t.hint}  ${t.name}  [${t.scopes.join(",")}]${t.revokedAt ? "  revoked" : ""}`);
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
