import { existsSync } from "node:fs";
import { join } from "node:path";
import { resolveServeConfig } from "@pier/config";
import { ConflictError, newId } from "@pier/core";
import { type Command, requireStringFlag, UsageError } from "./command.ts";

export const adminCreateCommand: Command = {
  name: "admin create",
  summary: "Create an admin user directly in the data dir (run on the server; no API needed).",
  usage: "pier admin create --email EMAIL (--password PASSWORD | --password-stdin) [--data-dir DIR]",
  flags: {
    email: { type: "string", value: "EMAIL", help: "login email of the admin" },
    password: { type: "string", value: "PASSWORD", help: "password (at least 10 characters)" },
    "password-stdin": { type: "boolean", help: "read the password from standard input" },
    "data-dir": { type: "string", value: "DIR", help: "pier data dir (default as for `pier serve`)" },
    "database-url": { type: "string", value: "URL", help: "PostgreSQL URL, when pier runs on PostgreSQL" },
  },
  async run(args) {
    const { checkPasswordPolicy, hashPassword } = await import("@pier/auth");
    const { createStores, isUniqueViolation, openDatabase } = await import("@pier/db");
    const email = requireStringFlag(args, "email", adminCreateCommand).trim().toLowerCase();
    // The dashboard login form takes an email; an account it can never sign in with is a mistake.
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw new UsageError(
        `--email "${email}" is not an email address (e.g. ops@example.com)`,
        adminCreateCommand,
      );
    const password = args.flags["password-stdin"]
      ? (await Bun.stdin.text()).replace(/\r?\n$/, "")
      : requireStringFlag(args, "password", adminCreateCommand);
    checkPasswordPolicy(password);
    const { config } = resolveServeConfig(
      {
        "data-dir": args.flags["data-dir"] as string | undefined,
        "database-url": args.flags["database-url"] as string | undefined,
      },
      process.env,
    );
    // An admin in a database no pier reads (a mistyped --data-dir, or the default one when pier
    // runs elsewhere) could never log in: the data dir must be one a pier has started in.
    if (!config.databaseUrl && !existsSync(join(config.dataDir, "secret.key")))
      throw new UsageError(
        `${config.dataDir} is not a pier data dir (it has no secret.key): pass the --data-dir pier serve uses, or start pier serve there once first`,
        adminCreateCommand,
      );
    const database = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
    try {
      const stores = createStores(database);
      await stores.users.create({
        id: newId("usr"),
        email,
        passwordHash: await hashPassword(password),
        role: "admin",
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`A user ${email} already exists.`);
      throw error;
    } finally {
      await database.close();
    }
    console.log(
      `Created admin ${email} in ${database.location}. Log in to the dashboard or run \`pier login\`.`,
    );
    return 0;
  },
};
