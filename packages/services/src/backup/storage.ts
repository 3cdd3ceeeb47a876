import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Readable, Writable } from "node:stream";
import { ValidationError } from "@pier/core";
import type { S3Client } from "bun";
import type { ServicesSettings } from "../settings.ts";
import { streamChunk } from "./chunks.ts";

/**
 * Where backups are kept: the data dir (`file:/abs/path`) or S3-compatible storage
 * (`s3://bucket/key`, through Bun's S3 client, multipart uploads of 8 MiB parts). Both are
 * written and read as streams.
 */
export interface BackupTarget {
  /** The location a new object `name` (relative, `/`-separated) gets. */
  locate(name: string): string;
}

export const localTarget = (dataDir: string): BackupTarget => ({
  locate: (name) => `file:${join(dataDir, "backups", name)}`,
});

const s3Pattern = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/[^\s]*)?$/;

/** `s3://bucket[/prefix]`, validated where a user types it. */
export function parseS3Target(value: string): { bucket: string; prefix: string } {
  const match = s3Pattern.exec(value);
  if (!match) throw new ValidationError(`backup target "${value}" is not s3://BUCKET[/PREFIX]`);
  return { bucket: match[1]!, prefix: (match[2] ?? "").replace(/^\/+|\/+$/g, "") };
}

export const s3Target = (value: string): BackupTarget => {
  const { bucket, prefix } = parseS3Target(value);
  return { locate: (name) => `s3://${bucket}/${prefix ? `${prefix}/` : ""}${name}` };
};

const partSize = 8 * 1024 * 1024;

export class BackupStorage {
  private readonly clients = new Map<string, S3Client>();

  constructor(private readonly settings: ServicesSettings) {}

  private s3(location: string) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!match) throw new Error(`not an S3 location: ${location}`);
    const bucket = match[1]!;
    let client = this.clients.get(bucket);
    if (!client) {
      const { endpoint, region, accessKeyId, secretAccessKey, sessionToken } = this.settings.s3;
      client = new Bun.S3Client({ bucket, endpoint, region, accessKeyId, secretAccessKey, sessionToken });
      this.clients.set(bucket, client);
    }
    return client.file(match[2]!, { partSize, queueSize: 2 });
  }

  /** A stream that stores what is written to `location`; `finish` once the object is complete. */
  async writer(location: string): Promise<Writable> {
    if (location.startsWith("file:")) {
      const path = location.slice("file:".length);
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      return renamedWhenComplete(path);
    }
    const sink = this.s3(location).writer({ partSize, queueSize: 2, retry: 3 });
    let unflushed = 0;
    return new Writable({
      highWaterMark: streamChunk,
      async write(chunk: Buffer, _encoding, callback) {
        try {
          sink.write(chunk);
          unflushed += chunk.length;
          // The sink buffers whatever it is given; flushing every part keeps memory to a part or two.
          if (unflushed >= partSize) {
            unflushed = 0;
            await sink.flush();
          }
          callback();
        } catch (error) {
          callback(error as Error);
        }
      },
      async final(callback) {
        try {
          await sink.end();
          callback();
        } catch (error) {
          callback(error as Error);
        }
      },
      destroy(error, callback) {
        if (error) Promise.resolve(sink.end(error)).catch(() => {});
        callback(error);
      },
    });
  }

  async reader(location: string): Promise<Readable> {
    if (location.startsWith("file:")) {
      const path = location.slice("file:".length);
      await stat(path);
      return createReadStream(path, { highWaterMark: streamChunk });
    }
    const file = this.s3(location);
    if (!(await file.exists())) throw new Error(`${location} does not exist`);
    return Readable.fromWeb(file.stream() as import("node:stream/web").ReadableStream<Uint8Array>);
  }

  async remove(location: string): Promise<void> {
    if (location.startsWith("file:")) {
      const path = location.slice("file:".length);
      await rm(path, { force: true });
      await rm(partPath(path), { force: true });
      return;
    }
    await this.s3(location).delete();
  }
}

const partPath = (path: string) => `${path}.part`;

/**
 * A local dump is written as `NAME.part` and takes its name once complete: a platform backup
 * (`pier backup create`, which archives `backups/services/`) made meanwhile leaves the unfinished
 * file out instead of archiving half a dump under a backup's name.
 */
function renamedWhenComplete(path: string): Writable {
  const file = createWriteStream(partPath(path), { mode: 0o600 });
  const out = new Writable({
    highWaterMark: streamChunk,
    write(chunk: Buffer, _encoding, callback) {
      file.write(chunk, (error) => callback(error ?? null));
    },
    final(callback) {
      file.end(() => rename(partPath(path), path).then(() => callback(), callback));
    },
    destroy(error, callback) {
      file.destroy();
      callback(error);
    },
  });
  file.on("error", (error) => out.destroy(error));
  return out;
}
