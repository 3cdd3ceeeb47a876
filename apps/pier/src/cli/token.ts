import { apiRequest, connectionFlags, resolveConnection } from "./api-client.ts";
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
    const body: { name: string; scopes?: string[] } = {
      name: (args.flags.name as string | undefined) ?? "cli",
    };
    if (typeof args.flags.scopes === "string")
      body.scopes = args.flags.scopes.split(",").map((s) => s.trim());
    const created = await apiRequest<{ id: string; token: string; scopes: string[] }>(
      resolveConnection(args),
      "POST",
      "/api/v1/tokens",
      body,
    );
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
    const { tokens } = await apiRequest<{
      tokens: { id: string; name: string; hint: string; scopes: string[]; revokedAt: string | null }[];
    }>(resolveConnection(args), "GET", "/api/v1/tokens");
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
    await apiRequest(resolveConnection(args), "DELETE", `/api/v1/tokens/${encodeURIComponent(id)}`);
    console.log(`Revoked ${id}.`);
    return 0;
  },
};
