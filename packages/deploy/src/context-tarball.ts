import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { BuildContextError } from "./errors.ts";
import { extractArchive } from "./extract-archive.ts";
import { compileIgnoreRules, type IgnoreMatcher } from "./ignore-rules.ts";
import { type ReleaseLimits, releaseLimitsFromEnv, type TarSummary } from "./tar-limits.ts";

/**
 * Files of a working tree that belong in a build context: `git ls-files` (tracked + untracked,
 * minus everything git ignores) inside a git work tree, else a walk honouring the root .gitignore;
 * then .dockerignore on top. `.git` never goes in. Paths are relative to `dir`, sorted.
 */
export async function listContextFiles(dir: string): Promise<string[]> {
  const fromGit = await gitListFiles(dir);
  const candidates = fromGit ?? (await walk(dir, await readIgnore(dir, ".gitignore", "gitignore")));
  const dockerignore = await readIgnore(dir, ".dockerignore", "dockerignore");
  const files: string[] = [];
  for (const path of candidates) {
    if (path === ".git" || path.startsWith(".git/")) continue;
    if (dockerignore?.ignores(path)) continue;
    files.push(path);
  }
  return files.sort();
}

export interface ContextTarball {
  files: string[];
  bytes: number;
}

/** Writes the build context of `dir` as a tar (gzip when asked) to `outPath`. */
export async function writeContextTarball(
  dir: string,
  outPath: string,
  options: { gzip?: boolean } = {},
): Promise<ContextTarball> {
  const files = await listContextFiles(dir);
  if (files.length === 0)
    throw new BuildContextError(`No files to deploy in ${dir} (everything is ignored?)`);
  // --no-recursion: the list already names every file; directories would re-add ignored content.
  const args = ["tar", "-c", "-f", outPath, "-C", dir, "--no-recursion", "--null", "-T", "-"];
  if (options.gzip) args.splice(1, 0, "-z");
  const proc = Bun.spawn(args, { stdin: "pipe", stdout: "ignore", stderr: "pipe" });
  proc.stdin.write(files.map((f) => `${f}\0`).join(""));
  await proc.stdin.end();
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new BuildContextError(`tar failed creating the build context: ${stderr.trim()}`);
  return { files, bytes: Bun.file(outPath).size };
}

/**
 * Extracts an uploaded release (tar or tar.gz) into `destDir`, within the release limits (see
 * extractArchive: nothing outside destDir, no device nodes, bounded size and file count).
 */
export async function extractTarball(
  tarPath: string,
  destDir: string,
  limits: ReleaseLimits = releaseLimitsFromEnv(),
): Promise<TarSummary> {
  return extractArchive(Bun.file(tarPath).stream(), destDir, limits);
}

async function gitListFiles(dir: string): Promise<string[] | null> {
  const inside = Bun.spawnSync(["git", "-C", dir, "rev-parse", "--is-inside-work-tree"], {
    stderr: "ignore",
  });
  if (inside.exitCode !== 0 || inside.stdout.toString().trim() !== "true") return null;
  const proc = Bun.spawn(["git", "-C", dir, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0) throw new BuildContextError(`git ls-files failed in ${dir}: ${stderr.trim()}`);
  const listed = out.split("\0").filter(Boolean);
  // Tracked files deleted in the work tree are still listed by --cached; tar would fail on them.
  const present = await Promise.all(
    listed.map((p) =>
      lstat(join(dir, p)).then(
        () => true,
        () => false,
      ),
    ),
  );
  return listed.filter((_, i) => present[i]);
}

async function walk(root: string, ignore: IgnoreMatcher | null): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    const entries = await readdir(join(root, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name === ".git") continue;
      const isDir = entry.isDirectory();
      if (ignore?.ignores(path, isDir)) continue;
      if (isDir) await visit(path);
      else out.push(path);
    }
  };
  await visit("");
  return out;
}

async function readIgnore(dir: string, name: string, flavor: "gitignore" | "dockerignore") {
  const file = Bun.file(join(dir, name));
  return (await file.exists()) ? compileIgnoreRules(await file.text(), flavor) : null;
}
