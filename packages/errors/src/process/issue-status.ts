export type IssueStatus = "unresolved" | "resolved" | "ignored";
export type IssueSubstatus = "new" | "ongoing" | "regressed" | null;

export interface IssueState {
  status: IssueStatus;
  substatus: IssueSubstatus;
  /** Release the issue was resolved in (the latest release seen when it was resolved), if any. */
  resolvedInRelease: string | null;
}

/** First-seen time of a release in this project; undefined when pier has never seen it. */
export type ReleaseFirstSeen = (release: string) => number | undefined;

const SEMVER = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+.].*)?$/;

/** `my-app@1.2.3` and `1.2.3` both compare as 1.2.3; deployment ids and hashes do not parse. */
function semverParts(release: string): number[] | null {
  const version = release.includes("@") ? release.slice(release.lastIndexOf("@") + 1) : release;
  const m = SEMVER.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/**
 * Is `candidate` a later release than `baseline`? Version numbers compare as versions; anything
 * else (deployment ids, commit hashes) by when pier first saw it, so a release that appeared after
 * the resolve is newer and a straggler of an old one is not.
 */
export function isNewerRelease(candidate: string, baseline: string, firstSeen: ReleaseFirstSeen): boolean {
  if (candidate === baseline) return false;
  const a = semverParts(candidate);
  const b = semverParts(baseline);
  if (a && b) {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
    return false;
  }
  const seenCandidate = firstSeen(candidate);
  const seenBaseline = firstSeen(baseline);
  if (seenCandidate === undefined) return true;
  if (seenBaseline === undefined) return false;
  return seenCandidate > seenBaseline;
}

/**
 * What a new occurrence does to an issue. Resolved issues regress on events from a newer release
 * (or on any event when they were resolved without a release); ignored issues stay ignored.
 */
export function statusAfterEvent(
  issue: IssueState,
  eventRelease: string | null,
  firstSeen: ReleaseFirstSeen,
): IssueState & { regressed: boolean } {
  if (issue.status !== "resolved") {
    const substatus =
      issue.status === "unresolved" && issue.substatus === "new" ? "ongoing" : issue.substatus;
    return { ...issue, substatus, regressed: false };
  }
  const regress =
    issue.resolvedInRelease === null ||
    (eventRelease !== null && isNewerRelease(eventRelease, issue.resolvedInRelease, firstSeen));
  if (!regress) return { ...issue, regressed: false };
  return { status: "unresolved", substatus: "regressed", resolvedInRelease: null, regressed: true };
}
