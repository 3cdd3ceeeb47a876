import { BuildContextError } from "./errors.ts";
import { extractArchive } from "./extract-archive.ts";
import { type ReleaseLimits, releaseLimitsFromEnv } from "./tar-limits.ts";

/**
 * Writes the tree of `commit` from a (bare) repository into `destDir`: `git archive` streamed
 * through the same checked extraction as uploads, so a pushed commit has the same limits.
 */
export async function extractCommit(
  gitDir: string,
  commit: string,
  destDir: string,
  limits: ReleaseLimits = releaseLimitsFromEnv(),
  /** Extra environment for git: a pending push's quarantined objects (GIT_OBJECT_DIRECTORY, …). */
  objectEnv: Record<string, string> = {},
): Promise<void> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
    throw new BuildContextError(`Not a full commit id: ${commit}`);
  }
  const archive = Bun.spawn(["git", "--git-dir", gitDir, "archive", "--format=tar", commit], {
    env: { ...process.env, ...objectEnv },
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    await extractArchive(archive.stdout, destDir, limits);
  } finally {
    if (archive.exitCode === null) archive.kill();
  }
  const [code, stderr] = await Promise.all([archive.exited, new Response(archive.stderr).text()]);
  if (code !== 0) {
    throw new BuildContextError(`Could not extract commit ${commit.slice(0, 12)}: ${stderr.trim()}`);
  }
}
