import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { parsePasswd } from "./accounts.ts";
import { ServiceError, type ServiceLayout, systemdRunDir } from "./layout.ts";
import { adminTokenFile, unitName } from "./unit-file.ts";

function systemctl(args: string[]): { code: number; output: string } {
  const result = Bun.spawnSync(["systemctl", ...args], { stdout: "pipe", stderr: "pipe" });
  return { code: result.exitCode, output: `${result.stdout}`.trim() || `${result.stderr}`.trim() };
}

export interface ServiceStatus {
  unitPath: string;
  installed: boolean;
  systemd: boolean;
  /** `systemctl is-active` / `is-enabled`, when systemd runs. */
  active?: string;
  enabled?: string;
  dataDir: { path: string; exists: boolean; owner?: string };
  token: { path: string; exists: boolean; mode?: string };
}

export function serviceStatus(layout: ServiceLayout, manageSystemd: boolean): ServiceStatus {
  const unitPath = join(layout.unitDir, unitName);
  const systemd = manageSystemd && existsSync(systemdRunDir) && Bun.which("systemctl") !== null;
  const status: ServiceStatus = {
    unitPath,
    installed: existsSync(unitPath),
    systemd,
    dataDir: { path: layout.dataDir, exists: existsSync(layout.dataDir) },
    token: { path: join(layout.configDir, adminTokenFile), exists: false },
  };
  if (systemd) {
    status.active = systemctl(["is-active", unitName]).output || "unknown";
    status.enabled = systemctl(["is-enabled", unitName]).output || "unknown";
  }
  if (status.dataDir.exists) {
    const uid = statSync(layout.dataDir).uid;
    const accounts = existsSync("/etc/passwd") ? parsePasswd(readFileSync("/etc/passwd", "utf8")) : [];
    status.dataDir.owner = accounts.find((account) => account.uid === uid)?.name ?? String(uid);
  }
  if (existsSync(status.token.path)) {
    status.token.exists = true;
    status.token.mode = (statSync(status.token.path).mode & 0o777).toString(8).padStart(4, "0");
  }
  return status;
}

export interface UninstallResult {
  removed: string[];
  kept: string[];
}

/** Stops and removes the unit; with purge also the data dir, the config dir and the user. */
export function uninstallService(
  layout: ServiceLayout,
  options: { purge: boolean; manageSystemd: boolean },
): UninstallResult {
  if (process.getuid?.() !== 0)
    throw new ServiceError("removing the service needs root: run `sudo pier service uninstall`");
  const unitPath = join(layout.unitDir, unitName);
  const removed: string[] = [];
  const kept: string[] = [];
  if (options.manageSystemd && existsSync(systemdRunDir)) {
    // Stopping a unit that is not loaded fails; that is not a reason to keep its file.
    systemctl(["disable", "--now", unitName]);
  }
  if (existsSync(unitPath)) {
    rmSync(unitPath);
    removed.push(unitPath);
    if (options.manageSystemd && existsSync(systemdRunDir)) systemctl(["daemon-reload"]);
  }
  const configDir = layout.configDir;
  if (options.purge) {
    for (const path of [layout.dataDir, configDir]) {
      if (!existsSync(path)) continue;
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    }
    const userExists = parsePasswd(readFileSync("/etc/passwd", "utf8")).some((a) => a.name === layout.user);
    const userdel = Bun.which("userdel") ?? ["/usr/sbin/userdel", "/sbin/userdel"].find(existsSync);
    if (userExists && userdel) {
      const result = Bun.spawnSync([userdel, layout.user], { stdout: "pipe", stderr: "pipe" });
      if (result.exitCode === 0) removed.push(`user ${layout.user}`);
      else kept.push(`user ${layout.user} (userdel: ${`${result.stderr}`.trim()})`);
    }
  } else {
    for (const path of [layout.dataDir, configDir]) if (existsSync(path)) kept.push(path);
    kept.push(`user ${layout.user}`);
  }
  return { removed, kept };
}
