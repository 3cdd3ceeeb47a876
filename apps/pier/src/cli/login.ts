import { hostname } from "node:os";
import { pierApi } from "./api-client.ts";
import { cliConfigPath, writeCliConfig } from "./cli-config.ts";
import { type Command, UsageError } from "./command.ts";

export const loginCommand: Command = {
  name: "login",
  summary: "Remember a pier server and a token for later commands (~/.config/pier/config.json).",
  usage: "pier login URL (--token TOKEN | --email EMAIL --password PASSWORD)",
  positionals: [{ name: "URL", required: true }],
  flags: {
    token: {
      type: "string",
      value: "TOKEN",
      help: "an API token (from `pier token create` or PIER_ADMIN_TOKEN)",
    },
    email: { type: "string", value: "EMAIL", help: "admin email: trade email and password for a new token" },
    password: { type: "string", value: "PASSWORD", help: "password for --email (or PIER_PASSWORD)" },
  },
  async run(args) {
    const url = args.positionals[0]!;
    if (!URL.canParse(url))
      throw new UsageError(`"${url}" is not a URL (e.g. http://my-server:7070)`, loginCommand);
    let token = args.flags.token as string | undefined;
    if (!token) {
      const email = args.flags.email as string | undefined;
      const password = (args.flags.password as string | undefined) ?? process.env.PIER_PASSWORD;
      if (!email || !password) throw new UsageError("give --token, or --email with --password", loginCommand);
      const created = await pierApi({ url }).call("POST /api/v1/auth/cli-token", {
        // Named after this machine, so `pier token list` tells one login's token from another's.
        body: { email, password, name: `cli on ${hostname()}`.slice(0, 80) },
      });
      token = created.token;
    }
    const me = await pierApi({ url, token }).call("GET /api/v1/auth/me");
    writeCliConfig({ url, token });
    console.log(`Logged in to ${url} (scopes: ${me.scopes.join(", ")}). Saved to ${cliConfigPath()}.`);
    return 0;
  },
};
