import { readFile, statfs } from "node:fs/promises";
import os from "node:os";
import type { DomainStatus } from "@pier/tls";

const expiringWithinMs = 14 * 86_400_000;

/** How the certificates stand: trusted, still self-signed, failed, and those close to expiry. Pure. */
export function summarizeCertificates(certificates: DomainStatus[], now = Date.now()) {
  return {
    total: certificates.length,
    trusted: certificates.filter((c) => c.issuer === "acme" && c.status === "issued").length,
    selfSigned: certificates.filter((c) => c.issuer === "self-signed").length,
    failed: certificates.filter((c) => c.status === "failed").length,
    expiringSoon: certificates
      .filter((c) => new Date(c.notAfter).getTime() - now < expiringWithinMs)
      .map((c) => ({ host: c.host, notAfter: c.notAfter, issuer: c.issuer })),
  };
}

/** Memory the kernel can hand out without swapping (MemAvailable), not just the unused pages. */
async function availableMemory(): Promise<number> {
  const meminfo = await readFile("/proc/meminfo", "utf8").catch(() => "");
  const kb = /^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1];
  return kb ? Number(kb) * 1024 : os.freemem();
}

/** Memory, disk (of the data dir, as an unprivileged process may use it), CPUs and load of the host. */
export async function hostResources(dataDir: string) {
  const disk = await statfs(dataDir).then(
    (s) => ({ path: dataDir, totalBytes: s.blocks * s.bsize, freeBytes: s.bavail * s.bsize }),
    () => null,
  );
  return {
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
    memory: { totalBytes: os.totalmem(), freeBytes: await availableMemory() },
    disk,
  };
}
