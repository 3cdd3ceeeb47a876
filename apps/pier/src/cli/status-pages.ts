import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import type { Command, ParsedArgs } from "./command.ts";

const str = (args: ParsedArgs, key: string) =>
  typeof args.flags[key] === "string" ? (args.flags[key] as string) : undefined;

export const statusPagesCreateCommand: Command = {
  name: "status-pages create",
  summary: "Create a public status page showing chosen monitors.",
  usage: "pier status-pages create SLUG --title TITLE --monitors NAME,... [--host status.example.com]",
  positionals: [{ name: "SLUG", required: true }],
  flags: {
    title: { type: "string", value: "TITLE", help: "page heading (default: the slug)" },
    description: { type: "string", value: "TEXT", help: "a line under the title" },
    monitors: {
      type: "string",
      value: "LIST",
      help: "comma-separated monitor names or ids, in display order",
    },
    host: {
      type: "string",
      value: "HOST",
      help: "also serve the page at the root of this host through the proxy",
    },
    ...connectionFlags,
  },
  async run(args) {
    const connection = resolveConnection(args);
    const slug = args.positionals[0]!;
    const { statusPage } = await pierApi(connection).call("POST /api/v1/status-pages", {
      body: {
        slug,
        title: str(args, "title") ?? slug,
        description: str(args, "description"),
        host: str(args, "host"),
        monitors:
          str(args, "monitors")
            ?.split(",")
            .map((s) => s.trim()) ?? [],
      },
    });
    console.log(`Created status page ${statusPage.slug}: ${new URL(statusPage.path, connection.url)}`);
    if (statusPage.host) console.log(`Also at http://${statusPage.host}/ once DNS points at this server.`);
    return 0;
  },
};

export const statusPagesListCommand: Command = {
  name: "status-pages list",
  summary: "List public status pages.",
  usage: "pier status-pages list",
  flags: { ...connectionFlags },
  async run(args) {
    const connection = resolveConnection(args);
    const { statusPages } = await pierApi(connection).call("GET /api/v1/status-pages");
    if (statusPages.length === 0) console.log("No status pages yet.");
    for (const p of statusPages) {
      console.log(
        `${p.slug}  ${p.title}  ${new URL(p.path, connection.url)}${p.host ? `  http://${p.host}/` : ""}  (${p.monitorIds.length} monitors)`,
      );
    }
    return 0;
  },
};

export const statusPagesDeleteCommand: Command = {
  name: "status-pages delete",
  summary: "Delete a status page.",
  usage: "pier status-pages delete SLUG",
  positionals: [{ name: "SLUG", required: true }],
  flags: { ...connectionFlags },
  async run(args) {
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/status-pages/:slug", {
      params: { slug: args.positionals[0]! },
    });
    console.log(`Deleted status page ${args.positionals[0]}.`);
    return 0;
  },
};
