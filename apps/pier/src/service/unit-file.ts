/**
 * The systemd unit pier runs as: a dedicated user, the data dir its only writable place, port
 * 80/443 through CAP_NET_BIND_SERVICE instead of root, the Docker socket through its group.
 * Pure, so its text is tested and `systemd-analyze verify`-ed without installing anything.
 */
export interface UnitOptions {
  /** Absolute path of the pier binary. */
  binary: string;
  user: string;
  dataDir: string;
  /** Holds admin-token (PIER_ADMIN_TOKEN, root only) and pier.env, both read by systemd as root. */
  configDir: string;
  /** The group that owns the Docker socket, or undefined when there is none yet. */
  dockerGroup?: string;
  httpPort: number;
  httpsPort: number;
  consolePort: number;
}

export const unitName = "pier.service";
export const adminTokenFile = "admin-token";
export const envFile = "pier.env";

/** systemd takes paths unquoted; refuse what would need quoting rather than escape it. */
function checkPath(what: string, path: string): string {
  if (!path.startsWith("/") || /[\s"'\\%$;]/.test(path))
    throw new Error(`${what} must be an absolute path without spaces, quotes, '%' or '$' (got "${path}")`);
  return path;
}

export function renderUnitFile(options: UnitOptions): string {
  const binary = checkPath("the pier binary", options.binary);
  const dataDir = checkPath("the data dir", options.dataDir);
  const configDir = checkPath("the config dir", options.configDir);
  if (!/^[a-z_][a-z0-9_-]*$/.test(options.user))
    throw new Error(`"${options.user}" is not a valid user name`);
  return `# Installed by \`pier service install\`; \`pier service uninstall\` removes it.
# Settings: ${configDir}/${envFile} (PIER_* variables, see \`pier serve --help\`), then
# \`systemctl restart pier\`. Logs: journalctl -u pier.
[Unit]
Description=pier, a self-hosted deployment platform
After=network-online.target docker.service
Wants=network-online.target
StartLimitIntervalSec=300
StartLimitBurst=10

[Service]
Type=simple
# pier upgrade starts the new pier from this one, which then names it the main process
# (sd_notify MAINPID=) before it drains and exits: systemd follows the new process.
NotifyAccess=main
User=${options.user}
Group=${options.user}
${options.dockerGroup ? `# Membership of the Docker socket's group gives what Docker can do: pier builds and runs apps with it.\nSupplementaryGroups=${options.dockerGroup}\n` : ""}ExecStart=${binary} serve
Environment=PIER_DATA_DIR=${dataDir} PIER_HTTP_PORT=${options.httpPort} PIER_HTTPS_PORT=${options.httpsPort} PIER_CONSOLE_PORT=${options.consolePort}
Environment=HOME=${dataDir}
# Read by systemd (as root) before pier starts; their values win over the Environment= lines.
# admin-token holds PIER_ADMIN_TOKEN, the first admin API token: delete it once you have logged in.
EnvironmentFile=-${configDir}/${adminTokenFile}
EnvironmentFile=-${configDir}/${envFile}
Restart=on-failure
RestartSec=2s
# pier drains in-flight requests on SIGTERM before it exits.
TimeoutStopSec=60s
LimitNOFILE=524288
UMask=0077

AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=${dataDir}
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
PrivateMounts=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
# A deny list: what pier never calls. No allow list (@system-service), no MemoryDenyWriteExecute:
# the JavaScript JIT writes the code it runs, and the runtime raises its own limits.
SystemCallFilter=~@clock @cpu-emulation @debug @module @mount @obsolete @raw-io @reboot @swap
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
`;
}
