// Shapes of /api/v1/errors as the error-tracking pages read them, from the server's contract.
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";

type Answer<K extends string> = ClientOutput<RouteOf<PierRoute, K>>;

export type ErrorProject = Answer<"GET /api/v1/errors/projects">["projects"][number];
export type IssueDetail = Answer<"GET /api/v1/errors/issues/:id">;
export type ErrorIssue = IssueDetail["issue"];
export type ErrorEvent = NonNullable<IssueDetail["latestEvent"]>;
export type ErrorFrame = ErrorEvent["exceptions"][number]["frames"][number];
export type Replay = Answer<"GET /api/v1/errors/projects/:id/replays">["replays"][number];
export type ReplayDetail = Answer<"GET /api/v1/errors/projects/:id/replays/:replayId">;

/** The replay an error event happened in: the browser SDK tags each event of a recorded session. */
export function replayIdOf(event: Pick<ErrorEvent, "tags" | "contexts">): string | null {
  const tagged = event.tags.replayId;
  const context = (event.contexts.replay as { replay_id?: unknown } | undefined)?.replay_id;
  const id = (typeof tagged === "string" ? tagged : typeof context === "string" ? context : "")
    .replaceAll("-", "")
    .toLowerCase();
  return /^[0-9a-f]{32}$/.test(id) ? id : null;
}

/** `m:ss` of a player position. */
export function clockTime(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** Regressed issues stand out from plain unresolved ones; resolved and ignored fade. */
export function issueBadge(issue: Pick<ErrorIssue, "status" | "substatus">): { label: string; tone: string } {
  if (issue.status === "resolved") return { label: "resolved", tone: "ok" };
  if (issue.status === "ignored") return { label: "ignored", tone: "muted" };
  if (issue.substatus === "regressed") return { label: "regressed", tone: "bad" };
  if (issue.substatus === "new") return { label: "new", tone: "warn" };
  return { label: "unresolved", tone: "warn" };
}

/** One bar per bucket over the whole period, empty buckets included (the API omits them). */
export function fillBuckets(
  histogram: IssueDetail["histogram"],
  now = Date.now(),
): { start: number; count: number }[] {
  const counts = new Map(histogram.buckets.map((b) => [b.start, b.count]));
  const out: { start: number; count: number }[] = [];
  for (let start = histogram.since; start <= now; start += histogram.bucketMs) {
    out.push({ start, count: counts.get(start) ?? 0 });
  }
  return out;
}
