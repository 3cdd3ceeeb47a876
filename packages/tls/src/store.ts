import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { keyMatchesCertificate } from "./certificate-facts.ts";
import { type CertificateMeta, certificateMetaSchema } from "./certificate-meta.ts";

export interface StoredCertificate {
  meta: CertificateMeta;
  cert: string;
  key: string;
}

export interface SkippedEntry {
  directory: string;
  reason: string;
}

/** `*` is awkward in paths; `_` can never appear in a valid host name, so `_.example.com` is unambiguous. */
export function hostDirectoryName(host: string): string {
  return host.startsWith("*.") ? `_${host.slice(1)}` : host;
}

/**
 * `<dataDir>/certs/<host>/{cert.pem,key.pem,meta.json}`. Each file is replaced by rename, and
 * meta.json is written last, so a crash leaves either the old or the new state readable; a torn
 * cert/key pair is detected on load.
 */
export class CertificateStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, "certs");
  }

  async loadAll(): Promise<{ certificates: StoredCertificate[]; skipped: SkippedEntry[] }> {
    const certificates: StoredCertificate[] = [];
    const skipped: SkippedEntry[] = [];
    if (!existsSync(this.root)) return { certificates, skipped };
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const directory = join(this.root, entry.name);
      try {
        const stored = await this.#loadDirectory(directory);
        if (hostDirectoryName(stored.meta.host) !== entry.name) {
          throw new Error(`meta.json names host ${stored.meta.host}`);
        }
        certificates.push(stored);
      } catch (error) {
        skipped.push({ directory, reason: error instanceof Error ? error.message : String(error) });
      }
    }
    return { certificates, skipped };
  }

  async save(stored: StoredCertificate): Promise<void> {
    const directory = join(this.root, hostDirectoryName(stored.meta.host));
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await replaceFile(join(directory, "cert.pem"), stored.cert, 0o644);
    await replaceFile(join(directory, "key.pem"), stored.key, 0o600);
    await this.saveMeta(stored.meta);
  }

  async saveMeta(meta: CertificateMeta): Promise<void> {
    const directory = join(this.root, hostDirectoryName(meta.host));
    await replaceFile(join(directory, "meta.json"), `${JSON.stringify(meta, null, 2)}\n`, 0o644);
  }

  async remove(host: string): Promise<void> {
    await rm(join(this.root, hostDirectoryName(host)), { recursive: true, force: true });
  }

  async #loadDirectory(directory: string): Promise<StoredCertificate> {
    const [metaText, cert, key] = await Promise.all([
      readFile(join(directory, "meta.json"), "utf8"),
      readFile(join(directory, "cert.pem"), "utf8"),
      readFile(join(directory, "key.pem"), "utf8"),
    ]);
    const meta = certificateMetaSchema.parse(JSON.parse(metaText));
    if (!keyMatchesCertificate(cert, key)) throw new Error("key.pem does not match cert.pem");
    return { meta, cert, key };
  }
}

async function replaceFile(path: string, contents: string, mode: number): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, contents, { mode });
  // writeFile's mode only applies on creation; a stale temp file could keep looser bits.
  await chmod(temporary, mode);
  await rename(temporary, path);
}
