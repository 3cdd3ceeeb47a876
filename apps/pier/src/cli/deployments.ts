import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, requireStringFlag } from "./command.ts";
import { timeAgo } from "./time-ago.ts";

/** The fields of a deployment the table shows (a subset of the API's deployment view). */
export interface DeploymentSummary {
  id: string;
  status: string;
  source: string;
  environment: string | null;
  commitSha: string | null;
  commitMessage: string | null;
  image: string | null;
  trigger: string | null;
  basedOn: string | null;
  createdAt: string;
}

/** What a deployment shipped, in one line: the commit's subject, else where the release came from. */
function describe(d: DeploymentSummary): string {
  if (d.trigger && d.basedOn) return `${d.trigger} of ${d.basedOn}`;
  if (d.commitMessage) return d.commitMessage.split("\n")[0]!;
  if (d.image) return `image ${d.image}`;
  return d.source === "upload" ? "upload (pier deploy)" : d.source;
}

/** The table `pier deployments list` prints, newest first as the API answers. Pure. */
export function renderDeploymentsTable(deployments: DeploymentSummary[], now = Date.now()): string {
  const rows = [
    ["ID", "ENV", "STATUS", "COMMIT", "AGE", "SUBJECT"],
    ...deployments.map((d) => [
      d.id,
      d.environment ?? "(removed)",
      d.status,
      d.commitSha?.slice(0, 7) ?? "-",
      timeAgo(Date.parse(d.createdAt), now),
      describe(d),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const deploymentsListCommand: Command = {
  name: "deployments list",
  summary: "List an app's deployments, newest first (the IDs `pier rollback --to` takes).",
  usage: "pier deployments list --app APP [--environment ENV] [--limit N] [--json]",
  flags: {
    app: { type: "string", value: "APP", help: "the app" },
    environment: {
      type: "string",
      value: "ENV",
      help: "only this environment (production or a preview name); default: all",
    },
    limit: { type: "string", value: "N", help: "how many to show, 1 to 200 (default 20)" },
    json: { type: "boolean", help: "print JSON" },
    ...connectionFlags,
  },
  async run(args) {
    const app = requireStringFlag(args, "app", this);
    const limit = intFlag(args, "limit", this, { min: 1, max: 200 }) ?? 20;
    const environment = typeof args.flags.environment === "string" ? args.flags.environment : undefined;
    // The API has no environment filter: ask for the most it gives, then filter here.
    const { deployments } = await pierApi(resolveConnection(args)).call(
      "GET /api/v1/apps/:name/deployments",
      {
        params: { name: app },
        query: { limit: String(environment ? 200 : limit) },
      },
    );
    const shown = deployments.filter((d) => !environment || d.environment === environment).slice(0, limit);
    if (args.flags.json) {
      console.log(JSON.stringify(shown, null, 2));
    } else if (shown.length === 0) {
      console.log(
        environment
          ? `No deployments of ${app} in ${environment} among its last 200.`
          : `No deployments of ${app} yet: pier deploy --app ${app}, or git push.`,
      );
    } else {
      console.log(renderDeploymentsTable(shown));
    }
    return 0;
  },
};
