import { S3Client } from "bun";
import { BackupTargetError } from "../errors.ts";
import { parseArchiveName } from "../format/archive-name.ts";
import { chunksOf } from "../format/byte-reader.ts";
import { type BackupTarget, type StoredArchive, sortNewestFirst } from "./target.ts";

/** Upload part size: S3's minimum is 5 MiB; 16 MiB keeps a 100 GB archive under the 10,000-part cap. */
const partSize = 16 * 1024 * 1024;

export interface S3Settings {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * `s3://bucket/prefix` and the credentials: PIER_BACKUP_S3_* first, then the usual S3_* and AWS_*
 * variables. Any S3-compatible store works through PIER_BACKUP_S3_ENDPOINT (MinIO, R2, B2, …).
 */
export function s3Settings(spec: string, env: Record<string, string | undefined>): S3Settings {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(spec);
  if (!match)
    throw new BackupTargetError(`"${spec}" is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX`);
  const pick = (...names: string[]) => names.map((n) => env[n]).find((v) => v !== undefined && v !== "");
  const accessKeyId = pick("PIER_BACKUP_S3_ACCESS_KEY_ID", "S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID");
  const secretAccessKey = pick(
    "PIER_BACKUP_S3_SECRET_ACCESS_KEY",
    "S3_SECRET_ACCESS_KEY",
    "AWS_SECRET_ACCESS_KEY",
  );
  if (!accessKeyId || !secretAccessKey)
    throw new BackupTargetError(
      `no S3 credentials for ${spec}: set PIER_BACKUP_S3_ACCESS_KEY_ID and PIER_BACKUP_S3_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), and PIER_BACKUP_S3_ENDPOINT for a store other than AWS`,
    );
  return {
    bucket: match[1]!,
    prefix: (match[2] ?? "").replace(/^\/+|\/+$/g, ""),
    endpoint: pick(
      "PIER_BACKUP_S3_ENDPOINT",
      "S3_ENDPOINT",
      "AWS_ENDPOINT_URL_S3",
      "AWS_ENDPOINT_URL",
      "AWS_ENDPOINT",
    ),
    region: pick("PIER_BACKUP_S3_REGION", "S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION") ?? "us-east-1",
    accessKeyId,
    secretAccessKey,
    sessionToken: pick("PIER_BACKUP_S3_SESSION_TOKEN", "S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"),
  };
}

function s3Error(what: string, error: unknown): BackupTargetError {
  const e = error as { code?: string; message?: string };
  return new BackupTargetError(
    `${what} failed: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ""}`,
  );
}

/** A bucket and prefix, through Bun's built-in S3 client; uploads are multipart and streamed. */
export function s3Target(spec: string, env: Record<string, string | undefined>): BackupTarget {
  const settings = s3Settings(spec, env);
  const client = new S3Client({
    bucket: settings.bucket,
    endpoint: settings.endpoint,
    region: settings.region,
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    sessionToken: settings.sessionToken,
  });
  const keyOf = (name: string) => (settings.prefix ? `${settings.prefix}/${name}` : name);
  const location = `s3://${settings.bucket}${settings.prefix ? `/${settings.prefix}` : ""}`;
  return {
    location,
    async prepare() {
      await this.list();
    },
    async list() {
      const archives: StoredArchive[] = [];
      const prefix = settings.prefix ? `${settings.prefix}/` : "";
      let continuationToken: string | undefined;
      do {
        const page = await client.list({ prefix, continuationToken, maxKeys: 1000 }).catch((error) => {
          throw s3Error(`listing ${location}`, error);
        });
        for (const object of page.contents ?? []) {
          const info = parseArchiveName(object.key.slice(prefix.length));
          if (info) archives.push({ ...info, size: object.size ?? 0 });
        }
        continuationToken = page.isTruncated ? page.nextContinuationToken : undefined;
      } while (continuationToken);
      return sortNewestFirst(archives);
    },
    async write(name, data) {
      // A multipart upload becomes visible only when it completes; a failed one is removed below.
      const writer = client
        .file(keyOf(name))
        .writer({ partSize, queueSize: 2, retry: 3, type: "application/octet-stream" });
      let bytes = 0;
      try {
        for await (const chunk of chunksOf(data)) {
          bytes += chunk.length;
          await writer.write(chunk);
        }
        await writer.end();
      } catch (error) {
        // end(error) may still send what was buffered as the whole object: remove it again.
        await Promise.resolve(writer.end(error as Error)).catch(() => {});
        await client.delete(keyOf(name)).catch(() => {});
        if (error instanceof BackupTargetError) throw error;
        throw error instanceof Error && "code" in error
          ? s3Error(`uploading to ${location}/${name}`, error)
          : error;
      }
      return { bytes, location: `${location}/${name}` };
    },
    async read(name) {
      const file = client.file(keyOf(name));
      const exists = await file.exists().catch((error) => {
        throw s3Error(`reading ${location}/${name}`, error);
      });
      if (!exists) throw new BackupTargetError(`${location}/${name} does not exist`);
      return file.stream();
    },
    async remove(name) {
      await client.delete(keyOf(name)).catch((error) => {
        throw s3Error(`deleting ${location}/${name}`, error);
      });
    },
  };
}
