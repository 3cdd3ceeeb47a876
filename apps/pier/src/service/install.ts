import {
  chmodSync,
  chownSync,
  existsSync,
  lchownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { generateSecretToken } from "@pier/auth";
import { type Account, dockerSocketGroup, parseGroups, parsePasswd } from "./accounts.ts";
import { ServiceError, type ServiceLayout, systemdRunDir } from "./layout.ts";
import { adminTokenFile, envFile, renderUnitFile, unitName } from "./unit-file.ts";

export interface InstallResult {
  unitPath: string;
  tokenPath: string;
  tokenCreated: boolean;
  userCreated: boolean;
  dockerGroup?: string;
  started: boolean;
  /** Why it was not started, when it was not. */
  notStarted?: string;
}

/** Places the service cannot see (ProtectHome, PrivateTmp) or that vanish: its binary must not live there. */
const hiddenFromService = ["/home/", "/root/", "/tmp/", "/var/tmp/", "/run/user/"];

export function checkBinary(binary: string): void {
  const path = resolve(binary);
  if (!existsSync(path))
    throw new ServiceError(`${path} does not exist: pass --binary with the path of the pier binary`);
  if (hiddenFromService.some((dir) => path.startsWith(dir)))
    throw new ServiceError(
      `${path} is in a directory the service cannot see (its home and temporary directories are hidden from it): install pier to /usr/local/bin first (install.sh does, or: sudo install -m 755 ${path} /usr/local/bin/pier) and run \`sudo /usr/local/bin/pier service install\``,
    );
  if ((statSync(path).mode & 0o005) !== 0o005)
    throw new ServiceError(`${path} is not readable and executable by other users: chmod 755 ${path}`);
}

function run(argv: string[]): { ok: boolean; output: string } {
  const result = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  return { ok: result.exitCode === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

function findAccount(user: string): Account | undefined {
  return parsePasswd(readFileSync("/etc/passwd", "utf8")).find((account) => account.name === user);
}

function ensureUser(layout: ServiceLayout): { account: Account; created: boolean } {
  const existing = findAccount(layout.user);
  if (existing) return { account: existing, created: false };
  const useradd = Bun.which("useradd") ?? ["/usr/sbin/useradd", "/sbin/useradd"].find(existsSync);
  if (!useradd)
    throw new ServiceError(
      `there is no user ${layout.user} and no useradd to create it: create a system user and group "${layout.user}" with home ${layout.dataDir}, then run this again`,
    );
  const shell = ["/usr/sbin/nologin", "/sbin/nologin"].find(existsSync) ?? "/bin/false";
  const created = run([
    useradd,
    "--system",
    "--user-group",
    "--home-dir",
    layout.dataDir,
    "--no-create-home",
    "--shell",
    shell,
    "--comment",
    "pier deployment platform",
    layout.user,
  ]);
  if (!created.ok) throw new ServiceError(`useradd could not create ${layout.user}: ${created.output}`);
  const account = findAccount(layout.user);
  if (!account) throw new ServiceError(`useradd reported success but ${layout.user} is not in /etc/passwd`);
  return { account, created: true };
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid);
  if (!statSync(path).isDirectory()) return;
  for (const entry of readdirSync(path, { recursive: true }) as string[])
    lchownSync(join(path, entry), uid, gid);
}

function ensureDataDir(layout: ServiceLayout, account: Account, log: (line: string) => void): void {
  mkdirSync(layout.dataDir, { recursive: true, mode: 0o700 });
  const stats = statSync(layout.dataDir);
  if (stats.uid !== account.uid || stats.gid !== account.gid) {
    // A data dir made by `sudo pier serve` belongs to root; the service runs as its own user.
    if (readdirSync(layout.dataDir).length > 0)
      log(`handing the existing ${layout.dataDir} over to user ${account.name}`);
    chownTree(layout.dataDir, account.uid, account.gid);
  }
  chmodSync(layout.dataDir, 0o700);
}

const envTemplate = `# Settings of the pier service: PIER_* variables as listed by \`pier serve --help\`.
# Values here win over the unit's defaults. Apply with: systemctl restart pier
# PIER_BASE_DOMAIN=example.com
# PIER_ACME_EMAIL=you@example.com
# PIER_CONSOLE_HOST=pier.example.com
`;

/** The command that logs in with the token in the file, without the token showing up anywhere. */
export function firstLoginCommand(layout: ServiceLayout): string {
  const file = join(layout.configDir, adminTokenFile);
  return `pier login http://127.0.0.1:${layout.consolePort} --token "$(sudo sed -n 's/^PIER_ADMIN_TOKEN=//p' ${file})"`;
}

/**
 * The token file is an environment file (systemd reads it as root and hands PIER_ADMIN_TOKEN to
 * pier, which creates the token at start if it does not exist yet) that says how to use it.
 */
function adminTokenText(token: string, layout: ServiceLayout): string {
  return `# The first admin API token of the pier service; only root can read this file.
# Log in with it:
#   ${firstLoginCommand(layout)}
# then delete this file: the token stays valid until revoked (pier token list, pier token revoke).
PIER_ADMIN_TOKEN=${token}
`;
}

function ensureConfig(layout: ServiceLayout): { tokenPath: string; created: boolean } {
  mkdirSync(layout.configDir, { recursive: true, mode: 0o755 });
  const tokenPath = join(layout.configDir, adminTokenFile);
  let created = false;
  // Written once: reinstalling (a new binary, other ports) keeps the token people already use.
  if (!existsSync(tokenPath)) {
    writeFileSync(tokenPath, adminTokenText(generateSecretToken("pier"), layout), {
      mode: 0o600,
      flag: "wx",
    });
    created = true;
  }
  chownSync(tokenPath, 0, 0);
  chmodSync(tokenPath, 0o600);
  const envPath = join(layout.configDir, envFile);
  if (!existsSync(envPath)) writeFileSync(envPath, envTemplate, { mode: 0o600 });
  return { tokenPath, created };
}

function socketGid(): number | undefined {
  const host = process.env.DOCKER_HOST;
  const socket = host?.startsWith("unix://")
    ? host.slice("unix://".length)
    : host
      ? undefined
      : "/var/run/docker.sock";
  if (!socket || !existsSync(socket)) return undefined;
  return statSync(socket).gid;
}

/** Installs (or reinstalls) the unit, its user, data dir and token; starts it when systemd runs. */
export function installService(
  layout: ServiceLayout,
  options: { binary: string; start: boolean; manageSystemd: boolean; log: (line: string) => void },
): InstallResult {
  if (process.platform !== "linux")
    throw new ServiceError("pier service installs a systemd unit: Linux only");
  if (process.getuid?.() !== 0)
    throw new ServiceError("installing the service needs root: run `sudo pier service install`");
  const binary = resolve(options.binary);
  checkBinary(binary);

  const { account, created: userCreated } = ensureUser(layout);
  ensureDataDir(layout, account, options.log);
  const { tokenPath, created: tokenCreated } = ensureConfig(layout);
  const dockerGroup = dockerSocketGroup(parseGroups(readFileSync("/etc/group", "utf8")), socketGid());

  mkdirSync(layout.unitDir, { recursive: true, mode: 0o755 });
  const unitPath = join(layout.unitDir, unitName);
  writeFileSync(
    unitPath,
    renderUnitFile({
      binary,
      user: layout.user,
      dataDir: layout.dataDir,
      configDir: layout.configDir,
      dockerGroup,
      httpPort: layout.httpPort,
      httpsPort: layout.httpsPort,
      consolePort: layout.consolePort,
    }),
    { mode: 0o644 },
  );
  chmodSync(unitPath, 0o644);

  const result: InstallResult = {
    unitPath,
    tokenPath,
    tokenCreated,
    userCreated,
    dockerGroup,
    started: false,
  };
  if (!options.manageSystemd) {
    result.notStarted = "the unit was written to another directory than systemd's (--unit-dir)";
  } else if (!existsSync(systemdRunDir)) {
    result.notStarted = `systemd is not running on this machine (no ${systemdRunDir})`;
  } else {
    const reload = run(["systemctl", "daemon-reload"]);
    if (!reload.ok) throw new ServiceError(`systemctl daemon-reload failed: ${reload.output}`);
    const enable = run(["systemctl", "enable", unitName]);
    if (!enable.ok) throw new ServiceError(`systemctl enable ${unitName} failed: ${enable.output}`);
    if (!options.start) {
      result.notStarted = "--no-start";
    } else {
      // restart, not start: a reinstall (new binary, new unit) must take effect.
      const restart = run(["systemctl", "restart", unitName]);
      if (!restart.ok)
        throw new ServiceError(
          `pier.service did not start: ${restart.output}. See journalctl -u pier -n 50 for why.`,
        );
      result.started = true;
    }
  }
  return result;
}
