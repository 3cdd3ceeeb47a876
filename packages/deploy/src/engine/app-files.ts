import { rm } from "node:fs/promises";
import { join } from "node:path";
import { repoPath } from "@pier/git";

/**
 * What an app leaves in the data dir: its bare git repository, one log per deployment and the
 * directories of its static releases. Deleting the app removes them, so an app created later
 * under the same name starts from an empty repository instead of the old history. Pure.
 */
export function appDataPaths(
  dataDir: string,
  appName: string,
  deployments: { logPath: string; meta: unknown }[],
): string[] {
  const staticRoot = `${join(dataDir, "static")}/`;
  const paths = [repoPath(dataDir, appName)];
  for (const d of deployments) {
    paths.push(d.logPath);
    const staticDir = (d.meta as { staticDir?: unknown } | null)?.staticDir;
    // Only under <data-dir>/static: a row's meta must never make pier delete anything else.
    if (typeof staticDir === "string" && staticDir.startsWith(staticRoot) && !staticDir.includes("/../")) {
      paths.push(staticDir);
    }
  }
  return paths;
}

/** Best effort: a path that cannot be removed is reported, the others are still removed. */
export async function removeAppData(paths: string[]): Promise<{ path: string; error: unknown }[]> {
  const failed: { path: string; error: unknown }[] = [];
  for (const path of paths) {
    await rm(path, { recursive: true, force: true }).catch((error) => failed.push({ path, error }));
  }
  return failed;
}
