export const zeroSha = "0000000000000000000000000000000000000000";

export interface RefUpdate {
  ref: string;
  oldSha: string;
  /** All zeros when the ref was deleted (`git push origin :BRANCH`). */
  newSha: string;
  kind: "create" | "update" | "delete";
  /** Branch name for refs/heads/*, else null (tags, notes...). */
  branch: string | null;
}

function toUpdate(oldSha: string, newSha: string, ref: string): RefUpdate {
  const kind = newSha === zeroSha ? "delete" : oldSha === zeroSha ? "create" : "update";
  return { ref, oldSha, newSha, kind, branch: ref.startsWith("refs/heads/") ? ref.slice(11) : null };
}

/** Lines `<old> <new> <ref>` as git gives them to pre-/post-receive hooks on stdin. */
export function parseHookInput(text: string): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const line of text.split("\n")) {
    const match = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) (refs\/\S+)$/.exec(line.trim());
    if (match) updates.push(toUpdate(match[1]!, match[2]!, match[3]!));
  }
  return updates;
}

/** Ref changes between two `ref -> sha` snapshots; the fallback when the hook could not call back. */
export function diffRefs(before: Map<string, string>, after: Map<string, string>): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const [ref, sha] of after) {
    const old = before.get(ref);
    if (old !== sha) updates.push(toUpdate(old ?? zeroSha, sha, ref));
  }
  for (const [ref, sha] of before) {
    if (!after.has(ref)) updates.push(toUpdate(sha, zeroSha, ref));
  }
  return updates.sort((a, b) => a.ref.localeCompare(b.ref));
}
