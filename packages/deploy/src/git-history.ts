import { existsSync } from "node:fs";

/** One commit as the dashboard shows it. */
export interface CommitSummary {
  sha: string;
  author: string;
  /** ISO time the commit was made. */
  date: string;
  subject: string;
}

export interface BranchHead extends CommitSummary {
  branch: string;
}

// Fields are NUL-separated and records end in \x1e: neither can occur in a name or a subject line.
const commitFormat = "%H%x00%an%x00%aI%x00%s%x1e";

/** Parses `git log`/`for-each-ref` output in commitFormat (with a leading ref name when `named`). Pure. */
export function parseCommits(text: string, named = false): (CommitSummary & { branch?: string })[] {
  const out: (CommitSummary & { branch?: string })[] = [];
  for (const record of text.split("\x1e")) {
    const fields = record.replace(/^\n/, "").split("\x00");
    if (fields.length < (named ? 5 : 4)) continue;
    const branch = named ? fields.shift() : undefined;
    const [sha, author, date, subject] = fields as [string, string, string, string];
    out.push({ sha, author, date, subject, ...(branch !== undefined ? { branch } : {}) });
  }
  return out;
}

async function git(gitDir: string, args: string[], env: Record<string, string> = {}): Promise<string | null> {
  if (!existsSync(gitDir)) return null;
  const proc = Bun.spawn(["git", "--git-dir", gitDir, ...args], {
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "ignore",
  });
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  return code === 0 ? out : null;
}

/** Author and subject of a pushed commit (a push in progress passes its quarantine env); null if unknown. */
export async function readCommit(
  gitDir: string,
  sha: string,
  env: Record<string, string> = {},
): Promise<CommitSummary | null> {
  if (!/^[0-9a-f]{7,64}$/.test(sha)) return null;
  const out = await git(gitDir, ["log", "-1", `--format=${commitFormat}`, sha, "--"], env);
  return out ? (parseCommits(out)[0] ?? null) : null;
}

/** Commits reachable from `to` but not from `from`, newest first (at most `limit`). */
export async function commitsBetween(
  gitDir: string,
  from: string,
  to: string,
  limit: number,
): Promise<CommitSummary[] | null> {
  if (!/^[0-9a-f]{7,64}$/.test(from) || !/^[0-9a-f]{7,64}$/.test(to)) return null;
  const out = await git(gitDir, [
    "log",
    `--format=${commitFormat}`,
    "-n",
    String(limit),
    `${from}..${to}`,
    "--",
  ]);
  return out === null ? null : parseCommits(out);
}

/** The pushed branches with their head commits, most recently committed first. */
export async function branchHeads(gitDir: string, limit = 50): Promise<BranchHead[]> {
  const out = await git(gitDir, [
    "for-each-ref",
    "--sort=-committerdate",
    `--count=${limit}`,
    "--format=%(refname:short)%00%(objectname)%00%(authorname)%00%(authordate:iso-strict)%00%(contents:subject)%1e",
    "refs/heads",
  ]);
  if (!out) return [];
  return parseCommits(out, true) as BranchHead[];
}
