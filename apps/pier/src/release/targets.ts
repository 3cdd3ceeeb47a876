/** The platforms pier is compiled for (`bun build --compile --target=bun-<target>`). */
export const releaseTargets = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64"] as const;
export type ReleaseTarget = (typeof releaseTargets)[number];

export type ArchiveFormat = "tar.xz" | "tar.gz";

export function isReleaseTarget(value: string): value is ReleaseTarget {
  return (releaseTargets as readonly string[]).includes(value);
}

/** The target of a running process (`process.platform`, `process.arch`), or undefined when pier has none. */
export function targetOf(platform: string, arch: string): ReleaseTarget | undefined {
  const os = platform === "linux" ? "linux" : platform === "darwin" ? "darwin" : undefined;
  const cpu = arch === "x64" ? "x64" : arch === "arm64" ? "arm64" : undefined;
  if (!os || !cpu) return undefined;
  return `${os}-${cpu}`;
}

/** `pier-0.1.0-linux-arm64`: the archive's base name and the directory inside it. */
export function releaseBaseName(version: string, target: ReleaseTarget): string {
  return `pier-${version}-${target}`;
}

export function archiveName(version: string, target: ReleaseTarget, format: ArchiveFormat): string {
  return `${releaseBaseName(version, target)}.${format}`;
}

/** Semantic versions as pier publishes them; anything else is refused before it becomes a path or URL. */
export const versionPattern = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
