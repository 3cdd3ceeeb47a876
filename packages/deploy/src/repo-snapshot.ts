import type { RepoSnapshot } from "./build-plan.ts";
import { defaultPierConfig, type PierConfig, parsePierToml } from "./pier-toml.ts";
import { readReleaseFile } from "./release-fs.ts";

// Never worth walking for detection, and can hold hundreds of thousands of files.
const skippedDirs = new Set([".git", "node_modules"]);

/** Reads what detectBuildPlan needs from a context directory. */
export async function readRepoSnapshot(dir: string): Promise<RepoSnapshot> {
  const paths: string[] = [];
  for await (const path of new Bun.Glob("**").scan({
    cwd: dir,
    dot: true,
    onlyFiles: true,
    followSymlinks: false,
  })) {
    const normalised = path.replaceAll("\\", "/");
    if (normalised.split("/").some((part) => skippedDirs.has(part))) continue;
    paths.push(normalised);
  }
  paths.sort();
  return { paths, packageJson: await readReleaseFile(dir, "package.json") };
}

/** pier.toml of a directory, or the defaults when it has none. Throws PierTomlError. */
export async function readPierConfig(dir: string): Promise<PierConfig> {
  const text = await readReleaseFile(dir, "pier.toml");
  return text === undefined ? defaultPierConfig : parsePierToml(text);
}
