import { PassThrough, type Readable } from "node:stream";
import type Docker from "dockerode";
import { serviceLabels } from "../docker/names.ts";
import { streamChunk } from "./chunks.ts";
import { tarHeader, tarTrailer } from "./tar-entry.ts";

/** The volume a helper mounts, the image it is made from, and the pier (instance id) that made it. */
export interface HelperTarget {
  image: string;
  volume: string;
  instance: string;
}

/**
 * Volume snapshots through short-lived helper containers that mount the volume: the Engine's
 * archive API reads a tar of it from a container that is created but never started (any image
 * will do: nothing in it runs), and writes one back. Clearing a volume before a restore runs
 * `find -delete` in a helper, so that image needs `find` (every Debian-based image has it).
 */
async function helper(
  docker: Docker,
  target: HelperTarget,
  options: { readOnly: boolean; cmd?: string[] },
): Promise<Docker.Container> {
  return docker.createContainer({
    Image: target.image,
    Entrypoint: options.cmd ? [options.cmd[0]!] : ["/bin/true"],
    Cmd: options.cmd ? options.cmd.slice(1) : [],
    User: "0",
    Labels: { [serviceLabels.helper]: target.volume, [serviceLabels.serviceInstance]: target.instance },
    NetworkDisabled: true,
    HostConfig: {
      Mounts: [{ Type: "volume", Source: target.volume, Target: "/volume", ReadOnly: options.readOnly }],
      NetworkMode: "none",
    },
  });
}

/** A tar of the volume's content (entries under `volume/`), streamed; the helper goes when it ends. */
export async function snapshotVolume(docker: Docker, target: HelperTarget): Promise<Readable> {
  const container = await helper(docker, target, { readOnly: true });
  try {
    const archive = (await container.getArchive({ path: "/volume" })) as unknown as Readable;
    const out = new PassThrough({ highWaterMark: streamChunk });
    archive.on("error", (error) => out.destroy(error));
    out.on("close", () => container.remove({ force: true }).catch(() => {}));
    return archive.pipe(out);
  } catch (error) {
    await container.remove({ force: true }).catch(() => {});
    throw error;
  }
}

/** Empties the volume, then unpacks `tar` (a snapshotVolume stream) into it. */
export async function restoreVolume(docker: Docker, target: HelperTarget, tar: Readable): Promise<void> {
  await clearVolume(docker, target);
  const container = await helper(docker, target, { readOnly: false });
  try {
    // Entries are `volume/...`: unpacked at / they land in the mount.
    await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/" });
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

export async function clearVolume(docker: Docker, target: HelperTarget): Promise<void> {
  const container = await helper(docker, target, {
    readOnly: false,
    cmd: ["find", "/volume", "-mindepth", "1", "-delete"],
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0)
      throw new Error(`clearing the volume ${target.volume} failed (find exited with ${StatusCode})`);
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

/** Writes one file of `size` bytes into `dir` of a container (a Redis RDB on restore), streamed. */
export async function putFile(
  container: Docker.Container,
  dir: string,
  file: { name: string; size: number; content: Readable },
): Promise<void> {
  const tar = new PassThrough({ highWaterMark: streamChunk });
  let written = 0;
  tar.write(tarHeader(file.name, file.size));
  file.content.on("data", (chunk: Buffer) => {
    written += chunk.length;
    if (!tar.write(chunk)) {
      file.content.pause();
      tar.once("drain", () => file.content.resume());
    }
  });
  file.content.on("end", () => {
    if (written !== file.size) tar.destroy(new Error(`expected ${file.size} bytes, got ${written}`));
    else tar.end(tarTrailer(file.size));
  });
  file.content.on("error", (error) => tar.destroy(error));
  await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: dir });
  if (written !== file.size) throw new Error(`expected ${file.size} bytes, got ${written}`);
}

/**
 * Helpers made before they carried the instance label: another pier on this Engine (a restored
 * copy, a test instance) still running an older release may be streaming a backup through one right
 * now. Nothing bounds how long that takes (a snapshot lasts as long as its upload, with no timeout;
 * hours for a large volume to slow storage), so an hour would be too short: only those older than a
 * day are taken for leftovers. Such helpers only exist until every pier on the Engine is upgraded.
 */
export const unlabelledHelperMaxAgeMs = 24 * 60 * 60_000;

/** Whether the start sweep removes this helper: this pier's always (it runs none yet), another's never. */
export function isLeftoverHelper(
  helper: { labels: Record<string, string>; createdSeconds: number },
  instance: string,
  nowMs: number,
): boolean {
  const owner = helper.labels[serviceLabels.serviceInstance];
  if (owner !== undefined) return owner === instance;
  return nowMs - helper.createdSeconds * 1000 > unlabelledHelperMaxAgeMs;
}

/** Helpers a crash of this pier left behind (see isLeftoverHelper). */
export async function removeHelpers(docker: Docker, instance: string): Promise<number> {
  const helpers = await docker.listContainers({ all: true, filters: { label: [serviceLabels.helper] } });
  const now = Date.now();
  const leftovers = helpers.filter((c) =>
    isLeftoverHelper({ labels: c.Labels ?? {}, createdSeconds: c.Created }, instance, now),
  );
  for (const c of leftovers)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  return leftovers.length;
}
