import type { Logger } from "@pier/core";
import type { ProxyPool } from "@pier/proxy";
import { acmeSettingsFromEnv, CertificateManager, ChallengeMap } from "@pier/tls";
import type { PrimaryRole } from "./primary-role.ts";

/**
 * Certificates flow to every proxy worker; ACME tokens are answered by every worker. Renewals
 * run while this pier holds the primary role (one pier orders certificates).
 */
export async function startCertificates(
  dataDir: string,
  proxy: ProxyPool | undefined,
  logger: Logger,
  primary?: PrimaryRole,
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
  await manager.start({ renewals: primary === undefined });
  primary?.run("certificate renewal", () => {
    manager.startRenewals();
    return () => manager.stopRenewals();
  });
  if (proxy) {
    manager.onChange((certs) => proxy.setCertificates(certs));
    if (manager.certificates().length > 0) await proxy.setCertificates(manager.certificates());
  }
  return manager;
}
