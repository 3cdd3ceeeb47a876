import { BackupTargetError } from "../errors.ts";
import { type ArchiveNameInfo, parseArchiveName } from "../format/archive-name.ts";
import { localTarget } from "./local-target.ts";
import { s3Target } from "./s3-target.ts";

export interface StoredArchive extends ArchiveNameInfo {
  size: number;
}

/** Where archives are kept: a directory, or a bucket and prefix of an S3-compatible store. */
export interface BackupTarget {
  /** As the user wrote it: `/var/backups/pier` or `s3://bucket/prefix`. */
  readonly location: string;
  /**
   * Checks an archive can be stored here before one is made (a directory is created and written
   * to, a bucket is listed), so a wrong target fails before the server takes a snapshot.
   */
  prepare(): Promise<void>;
  /** The archives there (other files are ignored), newest first. */
  list(): Promise<StoredArchive[]>;
  /** Stores an archive; nothing appears under `name` unless all of it was written. */
  write(name: string, data: ReadableStream<Uint8Array>): Promise<{ bytes: number; location: string }>;
  read(name: string): Promise<ReadableStream<Uint8Array>>;
  remove(name: string): Promise<void>;
}

export function isS3Location(spec: string): boolean {
  return spec.startsWith("s3://");
}

/** `DIR` or `s3://bucket/prefix` -> its target. Credentials for S3 come from `env`. */
export function openTarget(
  spec: string,
  env: Record<string, string | undefined> = process.env,
): BackupTarget {
  if (isS3Location(spec)) return s3Target(spec, env);
  if (spec.includes("://"))
    throw new BackupTargetError(
      `"${spec}" is not a target pier knows: give a directory or s3://bucket/prefix`,
    );
  return localTarget(spec);
}

/** An archive given on the command line (a file, or s3://bucket/prefix/NAME): its target and name. */
export function openArchive(
  spec: string,
  env: Record<string, string | undefined> = process.env,
): { target: BackupTarget; name: string } {
  const cut = spec.replace(/\/+$/, "").lastIndexOf("/");
  const name = cut === -1 ? spec : spec.slice(cut + 1);
  const parent = cut === -1 ? "." : spec.slice(0, cut) || "/";
  if (isS3Location(spec) && !parseArchiveName(name))
    throw new BackupTargetError(
      `"${spec}" does not name an archive (pier-backup-….tar.gz[.enc]); \`pier backup list ${spec}\` shows the archives there`,
    );
  return { target: openTarget(parent, env), name };
}

export function sortNewestFirst(archives: StoredArchive[]): StoredArchive[] {
  return archives.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
}
