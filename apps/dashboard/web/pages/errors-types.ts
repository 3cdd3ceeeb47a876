// Shapes of /api/v1/errors (packages/errors/README.md), as the error-tracking pages read them.

export interface ErrorProject {
  id: number;
  name: string;
  appId: string | null;
  platform: string;
  dsn: string;
  appHostDsns: Record<string, string>;
  rateLimitPerMinute: number;
  webhookUrl: string | null;
  stats: Record<string, number>;
}

export interface ErrorIssue {
  id: string;
  projectId: number;
  title: string;
  culprit: string;
  level: string;
  platform: string;
  status: "unresolved" | "resolved" | "ignored";
  substatus: "new" | "ongoing" | "regressed" | null;
  count: number;
  usersCount: number;
  firstSeen: number;
  lastSeen: number;
  firstRelease: string | null;
  lastRelease: string | null;
  resolvedInRelease: string | null;
}

export interface ErrorFrame {
  filename: string | null;
  function: string | null;
  module: string | null;
  lineno: number | null;
  colno: number | null;
  inApp: boolean;
  contextLine: string | null;
  preContext: string[];
  postContext: string[];
}

export interface ErrorEvent {
  eventId: string;
  timestamp: number;
  level: string;
  platform: string;
  release: string | null;
  environment: string | null;
  message: string | null;
  transaction: string | null;
  exceptions: { type: string | null; value: string | null; frames: ErrorFrame[] }[];
  user: { id: string | null; email: string | null; username: string | null; ipAddress: string | null } | null;
  request: { url?: string; method?: string } | null;
  breadcrumbs: {
    timestamp: number | null;
    category: string | null;
    level: string | null;
    message: string | null;
    type: string | null;
  }[];
  sdk: { name: string | null; version: string | null } | null;
}

export interface IssueDetail {
  issue: ErrorIssue;
  project: { id: number; name: string; appId: string | null } | null;
  latestEvent: ErrorEvent | null;
  tags: { key: string; totalCount: number; topValues: { value: string; count: number }[] }[];
  histogram: { period: string; bucketMs: number; since: number; buckets: { start: number; count: number }[] };
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
