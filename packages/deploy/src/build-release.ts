import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import { type BuildPlan, detectBuildPlan } from "./build-plan.ts";
import { writeContextTarball } from "./context-tarball.ts";
import { buildImage } from "./docker/images.ts";
import { generateDockerfile, generatedAppDir, generatedDockerfileName } from "./dockerfile.ts";
import { BuildContextError } from "./errors.ts";
import type { PierConfig } from "./pier-toml.ts";
import { assertLinksInside, resolveInRelease } from "./release-fs.ts";
import { readPierConfig, readRepoSnapshot } from "./repo-snapshot.ts";
import type { BaseImages } from "./settings.ts";

export interface PreparedBuild {
  config: PierConfig;
  plan: BuildPlan;
  /** Directory handed to Docker ([build] context inside the source tree). */
  contextDir: string;
  /** Dockerfile path inside contextDir, or null when no image is built (plain static site). */
  dockerfile: string | null;
}

/**
 * Reads pier.toml, detects the plan and writes the generated Dockerfile (if any) into the context.
 * `sourceDir` is an extracted commit or upload that pier owns, so writing into it is fine.
 */
export async function prepareBuild(sourceDir: string, baseImages: BaseImages): Promise<PreparedBuild> {
  const config = await readPierConfig(sourceDir);
  // Every path from pier.toml is followed through symlinks and must stay inside the release.
  const contextDir = await resolveInRelease(sourceDir, config.build.context, "[build] context");
  const plan = detectBuildPlan(await readRepoSnapshot(contextDir), config);
  if (plan.kind === "dockerfile") {
    await resolveInRelease(contextDir, plan.dockerfile, "[build] dockerfile");
    return { config, plan, contextDir, dockerfile: plan.dockerfile };
  }
  const text = generateDockerfile(plan, baseImages, { port: config.deploy.port });
  if (text === null) return { config, plan, contextDir, dockerfile: null };
  // A file of that name from the release (a symlink, say) is replaced, never written through.
  const generated = join(contextDir, generatedDockerfileName);
  await rm(generated, { force: true });
  await Bun.write(generated, text);
  return { config, plan, contextDir, dockerfile: generatedDockerfileName };
}

export type BuiltRelease =
  | { kind: "image"; image: string; imageId: string; config: PierConfig; plan: BuildPlan }
  | { kind: "static"; siteDir: string; spa: boolean; config: PierConfig; plan: BuildPlan };

/**
 * Makes an image available where the release runs and answers the reference to run: a cluster
 * pushes it to its registry (building its other platforms from the same context) and answers a
 * reference by digest. Absent on a single machine, where the local image is run as is.
 */
export type PublishImage = (input: {
  image: string;
  config: PierConfig;
  build?: { contextTarball: string; dockerfile: string; buildArgs: Record<string, string> };
}) => Promise<string>;

export interface BuildReleaseOptions {
  app: string;
  deploymentId: string;
  sourceDir: string;
  baseImages: BaseImages;
  /** Where the tar of the context is written (removed afterwards). */
  workDir: string;
  /** For static sites: where the site files end up (the proxy serves them from there). */
  staticDir: string;
  /** The pier instance, labelled on the image. */
  instance?: string;
  onLog?: (line: string) => void;
  signal?: AbortSignal;
  publish?: PublishImage;
}

/** Source tree -> image (apps) or site directory (static sites). Throws the package's errors. */
export async function buildRelease(docker: Docker, options: BuildReleaseOptions): Promise<BuiltRelease> {
  const say = options.onLog ?? (() => {});
  const prepared = await prepareBuild(options.sourceDir, options.baseImages);
  const { plan, config } = prepared;
  say(`Detected: ${plan.reason}`);

  if (plan.kind === "static" && !plan.build) {
    const siteDir = await resolveInRelease(prepared.contextDir, plan.dir, "[static] dir");
    await assertLinksInside(siteDir, options.sourceDir, "[static] dir");
    await copyTree(siteDir, options.staticDir);
    say(`Static site: ${plan.dir}/ published without a container`);
    return { kind: "static", siteDir: options.staticDir, spa: plan.spa, config, plan };
  }

  await mkdir(options.workDir, { recursive: true });
  const tarPath = join(options.workDir, `${options.deploymentId}.context.tar`);
  try {
    const context = await writeContextTarball(prepared.contextDir, tarPath);
    say(`Build context: ${context.files.length} files, ${(context.bytes / 1024).toFixed(0)} KiB`);
    const built = await buildImage(docker, {
      app: options.app,
      deploymentId: options.deploymentId,
      contextTarball: tarPath,
      dockerfile: prepared.dockerfile!,
      buildArgs: config.build.args,
      instance: options.instance,
      onLog: say,
      signal: options.signal,
    });
    if (plan.kind !== "static") {
      const image = options.publish
        ? await options.publish({
            image: built.tag,
            config,
            build: {
              contextTarball: tarPath,
              dockerfile: prepared.dockerfile!,
              buildArgs: config.build.args,
            },
          })
        : built.tag;
      return { kind: "image", image, imageId: built.id, config, plan };
    }
    await copyFromImage(docker, built.tag, `${generatedAppDir}/${plan.dir}`, options.staticDir);
    // Paths in the image mean nothing on the host: an absolute link there would point at a host file.
    await assertLinksInside(options.staticDir, options.staticDir, "the static build output");
    say(`Static site: ${plan.dir}/ copied out of the build image`);
    return { kind: "static", siteDir: options.staticDir, spa: plan.spa, config, plan };
  } finally {
    await rm(tarPath, { force: true });
  }
}

/** Copies a directory out of an image without running it: create a container, read its archive. */
export async function copyFromImage(
  docker: Docker,
  image: string,
  path: string,
  destDir: string,
): Promise<void> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: ["true"],
    Labels: { "pier.temporary": "1" },
  });
  try {
    const archive = await container.getArchive({ path });
    await mkdir(destDir, { recursive: true });
    const untar = Bun.spawn(
      ["tar", "-x", "-f", "-", "-C", destDir, "--no-same-owner", "--strip-components=1"],
      {
        stdin: "pipe",
        stdout: "ignore",
        stderr: "pipe",
      },
    );
    for await (const chunk of archive as AsyncIterable<Uint8Array>) untar.stdin.write(chunk);
    await untar.stdin.end();
    const [code, stderr] = await Promise.all([untar.exited, new Response(untar.stderr).text()]);
    if (code !== 0) throw new BuildContextError(`Could not copy ${path} out of ${image}: ${stderr.trim()}`);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) {
      throw new BuildContextError(`The build did not produce ${path}; set [static] dir in pier.toml`);
    }
    throw error;
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  // -L: links (all checked to stay inside the release) become files, so the published site holds none.
  const proc = Bun.spawn(["cp", "-RL", `${from}/.`, to], { stderr: "pipe" });
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0)
    throw new BuildContextError(`Could not publish the static site from ${from}: ${stderr.trim()}`);
}
