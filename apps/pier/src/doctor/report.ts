import type { ServeConfig } from "@pier/config";
import type { Logger } from "@pier/core";
import { type Finding, runHostChecks } from "./checks.ts";
import { systemProbes } from "./probes.ts";

const marks = { ok: "✓", warn: "!", fail: "✗" } as const;

/** The lines `pier doctor` prints: a mark, the check, what was found, and the fix under it. */
export function renderFindings(findings: Finding[]): string {
  const width = Math.max(...findings.map((finding) => finding.title.length));
  const lines: string[] = [];
  for (const finding of findings) {
    lines.push(`  ${marks[finding.status]} ${finding.title.padEnd(width)}  ${finding.detail}`);
    if (finding.fix && finding.status !== "ok") lines.push(`    ${" ".repeat(width)}  fix: ${finding.fix}`);
  }
  const failed = findings.filter((finding) => finding.status === "fail").length;
  const warned = findings.filter((finding) => finding.status === "warn").length;
  lines.push(
    "",
    failed + warned === 0
      ? "Everything pier needs is here."
      : `${failed} problem${failed === 1 ? "" : "s"} to fix (✗), ${warned} warning${warned === 1 ? "" : "s"} (!).`,
  );
  return `${lines.join("\n")}\n`;
}

/** `pier serve` logs what is wrong, one warning line each, and nothing when all is well. */
export function logFindings(findings: Finding[], logger: Logger): void {
  for (const finding of findings) {
    if (finding.status === "ok") continue;
    logger.warn(`host check: ${finding.title}: ${finding.detail}`, {
      check: finding.id,
      ...(finding.fix ? { fix: finding.fix } : {}),
    });
  }
}

/** The checks of `pier doctor` but the ports (pier has just bound them), logged as `pier serve` starts. */
export async function logHostFindings(config: ServeConfig, logger: Logger): Promise<void> {
  try {
    const findings = await runHostChecks(systemProbes(), {
      dataDir: config.dataDir,
      host: config.host,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      consolePort: config.consolePort,
      checkPorts: false,
    });
    logFindings(findings, logger);
  } catch (error) {
    logger.warn("host checks could not run", { error });
  }
}
