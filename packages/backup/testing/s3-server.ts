/// <reference path="./s3rver.d.ts" />
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";

export interface LocalS3 {
  endpoint: string;
  bucket: string;
  /** PIER_BACKUP_S3_* for this server: what pier and its CLI read. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A real S3 protocol server (s3rver) on 127.0.0.1 with one empty bucket, for tests of the S3
 * target: multipart uploads, listing, reads and deletes go over HTTP as they would to AWS.
 */
export async function startLocalS3(bucket = "pier-backups"): Promise<LocalS3> {
  const directory = mkdtempSync(join(tmpdir(), "pier-s3-"));
  const server = new S3rver({
    port: 0,
    address: "127.0.0.1",
    directory,
    silent: true,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      PIER_BACKUP_S3_ENDPOINT: endpoint,
      PIER_BACKUP_S3_ACCESS_KEY_ID: "S3RVER",
      PIER_BACKUP_S3_SECRET_ACCESS_KEY: "S3RVER",
    },
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
