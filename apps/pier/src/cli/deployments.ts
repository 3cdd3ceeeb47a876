import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, intFlag, requireStringFlag } from "./command.ts";
import { table } from "./table.ts";
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
  return table([
    ["ID", "ENV", "STATUS", "COMMIT", "AGE", "SUBJECT"],
    ...deployments.map((d) => [
      d.id,
      d.environment ?? "(removed)",
      d.status,
      d.commitSha?.slice(0, 7) ?? "-",
      timeAgo(Date.parse(d.createdAt), now),
      describe(d),
    ]),
  ]);
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
    const { deployments } = await pierApi(resolveConnection(args)).call(
      "GET /api/v1/apps/:name/deployments",
      { params: { name: app }, query: { limit: String(limit), environment } },
    );
    if (args.flags.json) {
      console.log(JSON.stringify(deployments, null, 2));
    } else if (deployments.length === 0) {
      console.log(
        environment
          ? `No deployments of ${app} in ${environment}.`
          : `No deployments of ${app} yet: pier deploy --app ${app}, or git push.`,
      );
    } else {
      console.log(renderDeploymentsTable(deployments));
    }
    return 0;
  },
};
