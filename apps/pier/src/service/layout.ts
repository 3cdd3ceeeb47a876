import { PierError } from "@pier/core";

/** Where the service's pieces live; every path can be moved for tests (`--unit-dir`, `--config-dir`). */
export interface ServiceLayout {
  unitDir: string;
  configDir: string;
  dataDir: string;
  user: string;
  httpPort: number;
  httpsPort: number;
  consolePort: number;
}

export const defaultLayout: ServiceLayout = {
  unitDir: "/etc/systemd/system",
  configDir: "/etc/pier",
  dataDir: "/var/lib/pier",
  user: "pier",
  httpPort: 80,
  httpsPort: 443,
  consolePort: 7070,
};

/** Something the service commands cannot do here; the message says what to do instead. */
export class ServiceError extends PierError {
  constructor(message: string) {
    super("service_error", message, 400);
  }
}

/** sd_booted(3): systemd is the running init when this directory exists. */
export const systemdRunDir = "/run/systemd/system";
