import { lstat, readdir, readlink, realpath } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { DeployError } from "./errors.ts";

/**
 * A path from pier.toml or from the release's files leads outside the release: a symlink to a
 * host directory would otherwise let a deploy token publish or build any file pier can read.
 */
export class ReleasePathError extends DeployError {
  constructor(message: string) {
    super("RELEASE_PATH_OUTSIDE", message);
  }
}

/** Whether `path` is `root` or inside it (both already resolved). Pure. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
async function realpathOrAncestor(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const parent = dirname(path);
    if (parent === path) return path;
    return join(await realpathOrAncestor(parent), relative(parent, path));
  }
}

/**
 * `rel` inside the release at `root`, with every symlink followed: the resolved path, or a
 * ReleasePathError that names the setting (`what`) and where it really points.
 */
export async function resolveInRelease(root: string, rel: string, what: string): Promise<string> {
  const realRoot = await realpath(root);
  const target = await realpathOrAncestor(resolve(realRoot, rel));
  if (!isInside(realRoot, target)) {
    throw new ReleasePathError(
      `${what} "${rel}" leads outside the release (it resolves to ${target}, through a symlink); point it at a path inside the repository.`,
    );
  }
  return target;
}

/**
 * The text of a regular file of the release, or undefined when there is none. A symlink is
 * followed only while it stays inside the release, so reading pier.toml or package.json can never
 * echo a host file into a deploy log.
 */
export async function readReleaseFile(root: string, rel: string): Promise<string | undefined> {
  const path = await resolveInRelease(root, rel, rel);
  const info = await lstat(path).catch(() => null);
  if (!info?.isFile()) return undefined;
  return Bun.file(path).text();
}

/**
 * Refuses a tree holding a symlink that resolves outside `root` (checked on the link text, so a
 * dangling link that points out is refused too). Links inside may stay: they cannot reach further.
 */
export async function assertLinksInside(dir: string, root: string, what: string): Promise<void> {
  const realRoot = await realpath(root);
  const visit = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isSymbolicLink()) {
        const text = await readlink(path);
        const target = await realpathOrAncestor(resolve(await realpath(current), text));
        if (!isInside(realRoot, target)) {
          throw new ReleasePathError(
            `${what}: ${relative(dir, path)} is a symlink to ${text}, outside the release; pier does not publish or build files from outside it.`,
          );
        }
      } else if (entry.isDirectory()) {
        await visit(path);
      }
    }
  };
  await visit(dir);
}
