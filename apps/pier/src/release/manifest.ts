import { z } from "zod";
import { ReleaseFormatError } from "./errors.ts";
import { releaseTargets, versionPattern } from "./targets.ts";

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256");
const fileName = z.string().regex(/^[A-Za-z0-9._+-]+$/, "must be a plain file name");

const archiveFile = z.object({ archive: fileName, size: z.number().int().positive(), sha256 });

/**
 * manifest.json of a release: what `pier upgrade` and people read to pick an archive. It is
 * listed in SHA256SUMS, so it is as trustworthy as the signature over that file.
 */
export const releaseManifestSchema = z.object({
  version: z.string().regex(versionPattern, "must be a version like 1.2.3"),
  createdAt: z.iso.datetime(),
  /** The minisign public key (RW…) that signed SHA256SUMS. */
  publicKey: z.string().min(1),
  targets: z
    .array(
      z.object({
        name: z.enum(releaseTargets),
        ...archiveFile.shape,
        /** Size of the pier binary once unpacked. */
        binarySize: z.number().int().positive(),
        /** The same binary as .tar.gz, for hosts without xz. */
        gzip: archiveFile,
      }),
    )
    .min(1),
  /** Source maps of every target, kept out of the binaries' archives. */
  sourcemaps: archiveFile.optional(),
});

export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

export function parseReleaseManifest(text: string): ReleaseManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ReleaseFormatError("manifest.json is not JSON");
  }
  const parsed = releaseManifestSchema.safeParse(json);
  if (!parsed.success)
    throw new ReleaseFormatError(
      `manifest.json is not a pier release manifest: ${parsed.error.issues
        .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
        .join("; ")}`,
    );
  return parsed.data;
}
