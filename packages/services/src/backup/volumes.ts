import { PassThrough, type Readable } from "node:stream";
import type Docker from "dockerode";
import { serviceLabels } from "../docker/names.ts";
import { streamChunk } from "./chunks.ts";
import { tarHeader, tarTrailer } from "./tar-entry.ts";

/**
 * Volume snapshots through short-lived helper containers that mount the volume: the Engine's
 * archive API reads a tar of it from a container that is created but never started (any image
 * will do: nothing in it runs), and writes one back. Clearing a volume before a restore runs
 * `find -delete` in a helper, so that image needs `find` (every Debian-based image has it).
 */
async function helper(
  docker: Docker,
  image: string,
  volume: string,
  options: { readOnly: boolean; cmd?: string[] },
): Promise<Docker.Container> {
  return docker.createContainer({
    Image: image,
    Entrypoint: options.cmd ? [options.cmd[0]!] : ["/bin/true"],
    Cmd: options.cmd ? options.cmd.slice(1) : [],
    User: "0",
    Labels: { [serviceLabels.helper]: volume },
    NetworkDisabled: true,
    HostConfig: {
      Mounts: [{ Type: "volume", Source: volume, Target: "/volume", ReadOnly: options.readOnly }],
      NetworkMode: "none",
    },
  });
}

/** A tar of the volume's content (entries under `volume/`), streamed; the helper goes when it ends. */
export async function snapshotVolume(docker: Docker, image: string, volume: string): Promise<Readable> {
  const container = await helper(docker, image, volume, { readOnly: true });
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
export async function restoreVolume(
  docker: Docker,
  image: string,
  volume: string,
  tar: Readable,
): Promise<void> {
  await clearVolume(docker, image, volume);
  const container = await helper(docker, image, volume, { readOnly: false });
  try {
    // Entries are `volume/...`: unpacked at / they land in the mount.
    await container.putArchive(tar as unknown as NodeJS.ReadableStream, { path: "/" });
  } finally {
    await container.remove({ force: true }).catch(() => {});
  }
}

export async function clearVolume(docker: Docker, image: string, volume: string): Promise<void> {
  const container = await helper(docker, image, volume, {
    readOnly: false,
    cmd: ["find", "/volume", "-mindepth", "1", "-delete"],
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0)
      throw new Error(`clearing the volume ${volume} failed (find exited with ${StatusCode})`);
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

/** Helpers a crash left behind. */
export async function removeHelpers(docker: Docker): Promise<number> {
  const leftovers = await docker.listContainers({ all: true, filters: { label: [serviceLabels.helper] } });
  for (const c of leftovers)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  return leftovers.length;
}
