import { PierError, ValidationError } from "@pier/core";
import type { CertificateManager } from "@pier/tls";
import type { CertificatePort } from "./context.ts";

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
