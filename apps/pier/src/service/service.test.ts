import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { dockerSocketGroup, parseGroups, parsePasswd } from "./accounts.ts";
import { checkBinary } from "./install.ts";
import { renderUnitFile, type UnitOptions } from "./unit-file.ts";

const unitOptions: UnitOptions = {
  binary: "/usr/local/bin/pier",
  user: "pier",
  dataDir: "/var/lib/pier",
  configDir: "/etc/pier",
  dockerGroup: "docker",
  httpPort: 80,
  httpsPort: 443,
  consolePort: 7070,
};

function directives(unit: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
  }
  return map;
}

describe("the systemd unit", () => {
  test("runs pier as its own user with the data dir writable and ports 80/443 by capability", () => {
    const unit = directives(renderUnitFile(unitOptions));
    expect(unit.get("User")).toEqual(["pier"]);
    expect(unit.get("SupplementaryGroups")).toEqual(["docker"]);
    expect(unit.get("ExecStart")).toEqual(["/usr/local/bin/pier serve"]);
    expect(unit.get("Environment")![0]).toBe(
      "PIER_DATA_DIR=/var/lib/pier PIER_HTTP_PORT=80 PIER_HTTPS_PORT=443 PIER_CONSOLE_PORT=7070",
    );
    expect(unit.get("AmbientCapabilities")).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(unit.get("CapabilityBoundingSet")).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(unit.get("NoNewPrivileges")).toEqual(["yes"]);
    expect(unit.get("ProtectSystem")).toEqual(["strict"]);
    expect(unit.get("ReadWritePaths")).toEqual(["/var/lib/pier"]);
    expect(unit.get("Restart")).toEqual(["on-failure"]);
    expect(unit.get("EnvironmentFile")).toEqual(["-/etc/pier/admin-token", "-/etc/pier/pier.env"]);
    // The JIT needs writable code pages.
    expect(unit.has("MemoryDenyWriteExecute")).toBe(false);
  });

  test("without a Docker group there is no SupplementaryGroups line", () => {
    expect(renderUnitFile({ ...unitOptions, dockerGroup: undefined })).not.toContain("SupplementaryGroups");
  });

  test("paths systemd would need quoted are refused", () => {
    expect(() => renderUnitFile({ ...unitOptions, binary: "/opt/my pier/pier" })).toThrow(/absolute path/);
    expect(() => renderUnitFile({ ...unitOptions, dataDir: "relative" })).toThrow(/absolute path/);
    expect(() => renderUnitFile({ ...unitOptions, user: "Pier Root" })).toThrow(/user name/);
  });
});

const systemdAnalyze = Bun.which("systemd-analyze");
const canVerify = requireService(
  "systemd-analyze",
  systemdAnalyze ? null : "systemd-analyze is not on PATH",
  "Install systemd (Debian: apt-get install systemd).",
);

describe.skipIf(!canVerify)("systemd-analyze", () => {
  // ExecStart must name an executable that exists where verify runs: this process's.
  function writeUnit(): string {
    const dir = mkdtempSync(join(tmpdir(), "pier-unit-"));
    const path = join(dir, "pier.service");
    writeFileSync(path, renderUnitFile({ ...unitOptions, binary: process.execPath }));
    return path;
  }

  test("verify finds nothing to say about the unit", () => {
    const result = Bun.spawnSync([systemdAnalyze!, "verify", "--man=no", writeUnit()]);
    expect(result.stderr.toString()).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("its exposure score stays where the hardening put it", () => {
    const result = Bun.spawnSync([systemdAnalyze!, "security", "--offline=true", "--no-pager", writeUnit()]);
    const text = result.stdout.toString();
    const score = Number(/Overall exposure level for pier\.service: ([\d.]+)/.exec(text)?.[1]);
    expect(score).toBeGreaterThan(0);
    expect(score).toBeLessThanOrEqual(SECURITY_CEILING);
  });
});

// systemd 252 rates the unit 1.8 ("OK"); what keeps it above 1 is Docker access, the JIT (no
// MemoryDenyWriteExecute) and a deny list instead of a syscall allow list.
const SECURITY_CEILING = 2.5;

describe("accounts and binaries", () => {
  test("passwd and group lines are read without getent", () => {
    expect(
      parsePasswd("root:x:0:0:root:/root:/bin/bash\npier:x:998:998::/var/lib/pier:/usr/sbin/nologin\n"),
    ).toEqual([
      { name: "root", uid: 0, gid: 0, home: "/root" },
      { name: "pier", uid: 998, gid: 998, home: "/var/lib/pier" },
    ]);
    const groups = parseGroups("root:x:0:\ndocker:x:996:\nadm:x:4:syslog\n");
    expect(dockerSocketGroup(groups, 996)).toBe("docker");
    expect(dockerSocketGroup(groups, undefined)).toBe("docker");
    // A root-owned socket: no group would help, so none is named.
    expect(dockerSocketGroup(groups, 0)).toBeUndefined();
    expect(dockerSocketGroup(parseGroups("root:x:0:\n"), undefined)).toBeUndefined();
  });

  test("a binary the service could not see is refused with where to put it", () => {
    const dir = mkdtempSync("/tmp/pier-bin-");
    const path = join(dir, "pier");
    writeFileSync(path, "", { mode: 0o755 });
    expect(() => checkBinary(path)).toThrow(/install pier to \/usr\/local\/bin first/);
    expect(() => checkBinary("/nonexistent/pier")).toThrow(/does not exist/);
  });
});
