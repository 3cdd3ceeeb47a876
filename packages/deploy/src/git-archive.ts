import { mkdir } from "node:fs/promises";
import { BuildContextError } from "./errors.ts";

/** Writes the tree of `commit` from a (bare) repository into `destDir`, via `git archive | tar -x`. */
export async function extractCommit(gitDir: string, commit: string, destDir: string): Promise<void> {
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit)) {
    throw new BuildContextError(`Not a full commit id: ${commit}`);
  }
  await mkdir(destDir, { recursive: true });
  const archive = Bun.spawn(["git", "--git-dir", gitDir, "archive", "--format=tar", commit], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const untar = Bun.spawn(["tar", "-x", "-f", "-", "-C", destDir, "--no-same-owner"], {
    stdin: archive.stdout,
    stdout: "ignore",
    stderr: "pipe",
  });
  const [archiveCode, untarCode, archiveErr, untarErr] = await Promise.all([
    archive.exited,
    untar.exited,
    new Response(archive.stderr).text(),
    new Response(untar.stderr).text(),
  ]);
  if (archiveCode !== 0 || untarCode !== 0) {
    throw new BuildContextError(
      `Could not extract commit ${commit.slice(0, 12)}: ${(archiveErr || untarErr).trim()}`,
    );
  }
}
