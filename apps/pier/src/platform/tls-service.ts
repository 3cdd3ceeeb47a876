import type { CertificatePort } from "@pier/api";
import { type Logger, PierError, ValidationError } from "@pier/core";
import type { ProxyPool } from "@pier/proxy";
import { acmeSettingsFromEnv, CertificateManager, ChallengeMap } from "@pier/tls";

/** Certificates flow to every proxy worker; ACME tokens are answered by every worker. */
export async function startCertificates(
  dataDir: string,
  proxy: ProxyPool | undefined,
  logger: Logger,
): Promise<CertificateManager> {
  const log = logger.child({ component: "tls" });
  const challenges = new ChallengeMap();
  if (proxy) challenges.onChange((map) => proxy.setAcmeChallenges(Object.fromEntries(map)));
  const manager = new CertificateManager({
    dataDir,
    challenges,
    acme: acmeSettingsFromEnv(process.env),
    log: (level, msg, fields) => log[level](msg, fields),
  });
  await manager.start();
  if (proxy) {
    manager.onChange((certs) => proxy.setCertificates(certs));
    if (manager.certificates().length > 0) await proxy.setCertificates(manager.certificates());
  }
  return manager;
}

/** The API's view of certificates: TLS errors become 4xx answers with their own message. */
export function certificatePort(manager: CertificateManager): CertificatePort {
  return {
    async ensure(host) {
      try {
        return await manager.ensure(host);
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code && error instanceof Error && !(error instanceof PierError))
          throw new ValidationError(error.message);
        throw error;
      }
    },
    status: (host) => manager.status(host) ?? null,
    remove: (host) => manager.remove(host),
  };
}
