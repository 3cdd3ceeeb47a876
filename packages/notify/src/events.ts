import { z } from "zod";

const monitorRef = z.object({ id: z.string(), name: z.string(), target: z.string() });

/**
 * Everything pier can tell a human about. Other subsystems build one of these and hand it to
 * `notify`; channels render it for their wire format.
 */
export const notificationEventSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("incident.opened"),
    monitor: monitorRef,
    incidentId: z.string(),
    reason: z.string(),
    startedAt: z.iso.datetime(),
  }),
  z.object({
    kind: z.literal("incident.resolved"),
    monitor: monitorRef,
    incidentId: z.string(),
    reason: z.string(),
    startedAt: z.iso.datetime(),
    resolvedAt: z.iso.datetime(),
    durationMs: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal("tls.expiring"),
    monitor: monitorRef,
    host: z.string(),
    expiresAt: z.iso.datetime(),
    daysLeft: z.number(),
  }),
  z.object({
    kind: z.literal("deploy.failed"),
    app: z.string(),
    environment: z.string().optional(),
    deploymentId: z.string(),
    reason: z.string(),
    url: z.string().optional(),
  }),
  z.object({
    kind: z.literal("replica.down"),
    app: z.string(),
    environment: z.string(),
    deploymentId: z.string(),
    /** The container's exit code, when Docker reported one. */
    exitCode: z.number().int().nullable(),
    /** Replicas of the release still serving. */
    serving: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal("replica.unhealthy"),
    app: z.string(),
    environment: z.string(),
    deploymentId: z.string(),
    /** The last failed liveness probe ("HTTP 500", "no answer within 5000ms"...). */
    reason: z.string(),
    /** Replacements in a row that did not make the app healthy. */
    replacements: z.number().int().nonnegative(),
    /** Whether pier keeps trying (with a back-off) or gave up until the next deploy. */
    retrying: z.boolean(),
  }),
  z.object({
    kind: z.literal("cron.failed"),
    app: z.string(),
    job: z.string(),
    runId: z.string(),
    /** "exited with code 1", "timed out after 60s", "HTTP 500"... */
    reason: z.string(),
    attempts: z.number().int().positive(),
    /** The last lines of the run's output. */
    output: z.array(z.string()),
  }),
  z.object({
    kind: z.literal("service.down"),
    service: z.string(),
    serviceKind: z.string(),
    /** What Docker saw: stopped, missing or unhealthy. */
    health: z.string(),
  }),
  z.object({
    kind: z.literal("service.recovered"),
    service: z.string(),
    serviceKind: z.string(),
    downMs: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal("service.backup_failed"),
    service: z.string(),
    backupId: z.string(),
    reason: z.string(),
  }),
  z.object({
    kind: z.literal("error.new_issue"),
    project: z.string(),
    issueId: z.string(),
    /** From the event, so from whoever holds the public DSN: channels show it as plain text. */
    title: z.string(),
    level: z.string().optional(),
    culprit: z.string().optional(),
    url: z.string().optional(),
    /**
     * Set on the summary sent after a burst: this many new issues were not sent one by one
     * (issueId, title and url are then the latest of them and the project's issue list).
     */
    more: z.number().int().positive().optional(),
  }),
  z.object({
    kind: z.literal("backup.failed"),
    runId: z.string(),
    /** Where the archive was going: a directory on the server, s3://…, or "download". */
    target: z.string(),
    reason: z.string(),
  }),
  z.object({
    kind: z.literal("node.down"),
    /** The swarm node's host name and id. */
    node: z.string(),
    nodeId: z.string(),
    /** What Swarm says: down, disconnected, unknown. */
    state: z.string(),
    /** Replicas pier routed to that node when it went; Swarm starts them on other nodes. */
    replicas: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal("node.up"),
    node: z.string(),
    nodeId: z.string(),
    downMs: z.number().int().nonnegative(),
  }),
  z.object({ kind: z.literal("test"), message: z.string() }),
]);

export type NotificationEvent = z.infer<typeof notificationEventSchema>;
export type NotificationKind = NotificationEvent["kind"];
export const notificationKinds = notificationEventSchema.options.map(
  (o) => o.shape.kind.value,
) as NotificationKind[];

export type Severity = "critical" | "warning" | "info" | "resolved";

export interface RenderedEvent {
  title: string;
  text: string;
  severity: Severity;
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** One human sentence per event, shared by every channel so Slack, email and webhooks agree. */
export function renderEvent(event: NotificationEvent): RenderedEvent {
  switch (event.kind) {
    case "incident.opened":
      return {
        title: `🔴 ${event.monitor.name} is down`,
        text: `${event.monitor.target} failed: ${event.reason} (since ${event.startedAt}).`,
        severity: "critical",
      };
    case "incident.resolved":
      return {
        title: `✅ ${event.monitor.name} is up again`,
        text: `${event.monitor.target} recovered after ${formatDuration(event.durationMs)}. It had failed with: ${event.reason}.`,
        severity: "resolved",
      };
    case "tls.expiring":
      return {
        title: `⚠️ TLS certificate for ${event.host} expires in ${Math.max(0, Math.floor(event.daysLeft))} days`,
        text: `The certificate served at ${event.monitor.target} expires at ${event.expiresAt}; renew it before browsers reject it.`,
        severity: "warning",
      };
    case "deploy.failed":
      return {
        title: `❌ Deploy of ${event.app}${event.environment ? ` (${event.environment})` : ""} failed`,
        text: `Deployment ${event.deploymentId} failed: ${event.reason}. The previous release stays live.${event.url ? ` ${event.url}` : ""}`,
        severity: "critical",
      };
    case "replica.down":
      return {
        title: `🔴 A replica of ${event.app} (${event.environment}) stopped and did not come back`,
        text: `Deployment ${event.deploymentId}: a container exited${event.exitCode === null ? "" : ` with code ${event.exitCode}`} outside pier and stayed down; ${event.serving === 0 ? "nothing serves the app now (redeploy or start it)" : `${event.serving} replica(s) still serve`}.`,
        severity: event.serving === 0 ? "critical" : "warning",
      };
    case "replica.unhealthy":
      return {
        title: `🔴 ${event.app} (${event.environment}) keeps failing its health check`,
        text: `Deployment ${event.deploymentId}: a replica failed its liveness checks (${event.reason}) and was replaced ${event.replacements} time(s) without recovering; ${event.retrying ? "pier keeps replacing it with a back-off" : "pier stopped replacing it until the next deploy"}.`,
        severity: "critical",
      };
    case "cron.failed":
      return {
        title: `❌ Cron job ${event.job} of ${event.app} failed`,
        text: `Run ${event.runId} ${event.reason}${event.attempts > 1 ? ` (after ${event.attempts} attempts)` : ""}.${event.output.length ? ` Last output: ${event.output.slice(-5).join(" / ")}` : ""}`,
        severity: "warning",
      };
    case "service.down":
      return {
        title: `🔴 Service ${event.service} (${event.serviceKind}) is down`,
        text: `Its container is ${event.health}; apps linked to it cannot reach it. pier services logs ${event.service} says why, pier services restart ${event.service} starts it again.`,
        severity: "critical",
      };
    case "service.recovered":
      return {
        title: `✅ Service ${event.service} is up again`,
        text: `${event.service} (${event.serviceKind}) is healthy again after ${formatDuration(event.downMs)}.`,
        severity: "resolved",
      };
    case "service.backup_failed":
      return {
        title: `❌ Backup of ${event.service} failed`,
        text: `Backup ${event.backupId} failed: ${event.reason}. Earlier backups are kept; pier services backup ${event.service} tries again.`,
        severity: "critical",
      };
    case "error.new_issue": {
      const level = event.level ? ` [${event.level}]` : "";
      if (event.more)
        return {
          title: `🐞 ${event.more} more new error(s) in ${event.project}`,
          text: `Too many new issues at once to send each; the latest: ${event.title}${level}.${event.url ? ` All issues: ${event.url}` : ""}`,
          severity: "warning",
        };
      return {
        title: `🐞 New error in ${event.project}: ${event.title}`,
        text: `${event.culprit ? `${event.culprit}. ` : ""}Issue ${event.issueId}${level}.${event.url ? ` ${event.url}` : ""}`,
        severity: event.level === "fatal" ? "critical" : "warning",
      };
    }
    case "backup.failed":
      return {
        title: "❌ Backup failed",
        text: `The backup ${event.runId} to ${event.target} failed: ${event.reason}. The last good archive is the newest one there; \`pier backup list\` shows them.`,
        severity: "critical",
      };
    case "node.down":
      return {
        title: `🔴 Cluster node ${event.node} is ${event.state}`,
        text: `Swarm lost node ${event.node} (${event.nodeId.slice(0, 12)}); ${event.replicas === 0 ? "no replica ran there" : `its ${event.replicas} replica(s) left the routes and are started on the other nodes`}. pier cluster nodes shows what runs where.`,
        severity: "critical",
      };
    case "node.up":
      return {
        title: `✅ Cluster node ${event.node} is back`,
        text: `${event.node} is ready again after ${formatDuration(event.downMs)}; new releases may be placed on it (running replicas are not moved back).`,
        severity: "resolved",
      };
    case "test":
      return { title: "pier test notification", text: event.message, severity: "info" };
  }
}
