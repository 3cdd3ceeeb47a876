import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import type { RegistryAuth } from "../runtime.ts";
import { dockerfileBases, imageName } from "./dockerfile-bases.ts";
import { followEngineProgress } from "./engine-progress.ts";

export interface PlatformBuildInput {
  platform: string;
  tag: string;
  /** The release's build context (an uncompressed tar pier wrote; a Dockerfile is appended to it). */
  contextTarball: string;
  dockerfile: string;
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  /** Credentials for pulling a base image (the cluster's registry), or none. */
  authFor(reference: string): Promise<RegistryAuth | undefined>;
  say(line: string): void;
}

/**
 * Builds the release for another platform on this Engine: each base image is pulled for that
 * platform, by the digest of its manifest list, and named so in a copy of the Dockerfile; the
 * Engine's builder then runs with `platform`, and RUN steps execute through the kernel's binfmt
 * emulation (qemu-user). BuildKit would resolve bases by platform itself, but the Engine's
 * BuildKit reads registry CAs only when dockerd starts, so it refuses the cluster's registry until
 * a restart; the Engine's pulls read them on every pull.
 */
export async function buildForPlatform(docker: Docker, input: PlatformBuildInput): Promise<void> {
  const original = await readFromTar(input.contextTarball, input.dockerfile);
  const parsed = dockerfileBases(original);
  const pinned = new Map<string, string>();
  for (const base of parsed.bases) {
    const auth = await input.authFor(base);
    const info = (await (docker.getImage(base) as unknown as { distribution(o: unknown): Promise<unknown> })
      .distribution({ authconfig: auth })
      .catch((error: Error) => {
        throw new Error(`${base} is not in a registry this Engine can read (${error.message})`);
      })) as {
      Descriptor?: { digest?: string };
      Platforms?: { os?: string; architecture?: string; variant?: string }[];
    };
    const platforms = (info.Platforms ?? []).map((p) =>
      [p.os, p.architecture, p.variant]
        .filter(Boolean)
        .join("/")
        .replace(/^linux\/arm64\/v8$/, "linux/arm64"),
    );
    if (!platforms.includes(input.platform))
      throw new Error(`${base} has no ${input.platform} variant (it has ${platforms.join(", ") || "none"})`);
    const reference = `${imageName(base)}@${info.Descriptor?.digest}`;
    input.say(`FROM ${base}: ${input.platform} variant of ${reference}`);
    await followEngineProgress(
      docker.modem,
      await docker.pull(reference, { platform: input.platform, authconfig: auth }),
      () => {},
    );
    pinned.set(base, reference);
  }
  const name = `${input.dockerfile}.${input.platform.replaceAll("/", "-")}`;
  const dir = await mkdtemp(join(tmpdir(), "pier-platform-"));
  try {
    await Bun.write(join(dir, name), parsed.render(pinned));
    const append = Bun.spawn(["tar", "--append", "-f", input.contextTarball, "-C", dir, name], {
      stderr: "pipe",
    });
    if ((await append.exited) !== 0) throw new Error(`tar: ${await new Response(append.stderr).text()}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const stream = await docker.buildImage(createReadStream(input.contextTarball), {
    t: input.tag,
    dockerfile: name,
    buildargs: input.buildArgs,
    labels: input.labels,
    platform: input.platform,
    rm: true,
    forcerm: true,
  } as Docker.ImageBuildOptions);
  let failure: string | null = null;
  let pending = "";
  await followEngineProgress(docker.modem, stream, (event) => {
    if (event.error) failure = event.error;
    if (!event.stream) return;
    pending += event.stream;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines)
      if (line.trim() && !/^ ---> |^Removing intermediate/.test(line)) input.say(line.trim());
  });
  if (failure) throw new Error(String(failure).trim());
}

async function readFromTar(tarball: string, path: string): Promise<string> {
  const proc = Bun.spawn(["tar", "-xOf", tarball, path], { stdout: "pipe", stderr: "pipe" });
  const [text, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0)
    throw new Error(`${path} is not in the build context: ${await new Response(proc.stderr).text()}`);
  return text;
}
