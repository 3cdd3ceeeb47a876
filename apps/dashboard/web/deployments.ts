/** How a deployment reads in the dashboard: pure, tested without a browser. */

import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { formatDuration, shortSha } from "./format.ts";

export type Deployment = ClientOutput<RouteOf<PierRoute, "GET /api/v1/deployments/:id">>["deployment"];
type Timings = Deployment["timings"];

/** What started a deployment, in words: "Push to main", "Rollback to dep_1", "Promoted from preview x"… */
export function deploymentOrigin(d: Pick<Deployment, "source" | "trigger" | "basedOn" | "branch">): string {
  if (d.trigger === "rollback") return d.basedOn ? `Rollback to ${d.basedOn}` : "Rollback";
  if (d.trigger === "restart") return "Restart (env vars changed)";
  if (d.trigger === "promote") return d.basedOn ? `Promoted from ${d.basedOn}` : "Promoted from a preview";
  if (d.source === "git") return d.branch ? `Git ${d.branch}` : "Git";
  if (d.source === "upload") return "Upload";
  if (d.source === "image") return "Image";
  return d.source;
}

/** The commit of a deployment on one line: "abc1234 Fix the cart (Ann)", or what it ran instead. */
export function commitLine(
  d: Pick<Deployment, "commitSha" | "commitMessage" | "commitAuthor" | "image">,
): string {
  if (d.commitSha) {
    const message = d.commitMessage ? ` ${d.commitMessage}` : "";
    const author = d.commitAuthor ? ` (${d.commitAuthor})` : "";
    return `${shortSha(d.commitSha)}${message}${author}`;
  }
  if (d.image && !d.image.startsWith("pier/") && !d.image.startsWith("static:")) return d.image;
  return "–";
}

/** The commit line, or where the release came from when it has no commit ("Upload"). */
export function releaseLine(d: Deployment): string {
  const line = commitLine(d);
  return line === "–" ? deploymentOrigin(d) : line;
}

const steps: { key: keyof Timings; label: string }[] = [
  { key: "queuedMs", label: "Queued" },
  { key: "buildMs", label: "Build" },
  { key: "releaseCommandMs", label: "Release command" },
  { key: "startMs", label: "Start" },
  { key: "healthMs", label: "Health check" },
  { key: "switchMs", label: "Switch" },
  { key: "drainMs", label: "Drain" },
];

export interface TimingStep {
  label: string;
  ms: number;
  text: string;
  /** Share of the steps' sum, for a bar (0 to 1). */
  share: number;
}

/** The steps a deployment went through with their durations; a wait under 50 ms is left out. */
export function timingSteps(timings: Timings): TimingStep[] {
  const present = steps.flatMap(({ key, label }) => {
    const ms = timings[key];
    if (ms === undefined || (key === "queuedMs" && ms < 50)) return [];
    return [{ label, ms }];
  });
  const total = present.reduce((sum, s) => sum + s.ms, 0) || 1;
  return present.map((s) => ({ ...s, text: formatDuration(s.ms), share: s.ms / total }));
}

/**
 * What the history says about a deployment beyond its status: what a rollback put back and what
 * it took down, what replaced a release.
 */
export function deploymentStory(d: Deployment, all: Deployment[]): string | null {
  const byId = (id: string | null) => (id ? all.find((x) => x.id === id) : undefined);
  if (d.trigger === "rollback" && d.basedOn) {
    const original = byId(d.basedOn);
    const line = original ? commitLine(original) : "–";
    const what = line === "–" ? "" : ` (${line})`;
    const replaced = d.replaced ? `, replacing ${d.replaced}` : "";
    return `Put back the release of ${d.basedOn}${what}${replaced}.`;
  }
  if (d.status === "rolled_back") {
    const by = all.find((x) => x.replaced === d.id && x.trigger === "rollback");
    return by ? `Taken down by the rollback ${by.id}.` : "Taken down by a rollback.";
  }
  if (d.status === "superseded") {
    const by = all.find((x) => x.replaced === d.id);
    return by ? `Replaced by ${by.id}.` : null;
  }
  return null;
}

/** Mirrors the API's rule: an earlier production release that once went live and has an image. */
export function isRollbackTarget(d: Deployment, current: Deployment): boolean {
  return (
    d.id !== current.id &&
    (d.status === "superseded" || d.status === "rolled_back") &&
    !!d.image &&
    (d.environment ?? "production") === "production"
  );
}
