import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const docPath = join(import.meta.dir, "..", "..", "docs", "performance.md");
const header =
  "# Performance\n\nEvery figure here was produced by a command in `bench/`, on the machine named in its section.\n";

/** Replaces one `## Title` section of docs/performance.md (or appends it), leaving the others alone. */
export function writePerformanceSection(title: string, body: string): void {
  const current = existsSync(docPath) ? readFileSync(docPath, "utf8") : header;
  const heading = `## ${title}`;
  const section = `${heading}\n\n${body.trim()}\n`;
  const start = current.indexOf(`${heading}\n`);
  let next: string;
  if (start === -1) {
    next = `${current.trimEnd()}\n\n${section}`;
  } else {
    const after = current.indexOf("\n## ", start + heading.length);
    next = current.slice(0, start) + section + (after === -1 ? "" : `\n${current.slice(after + 1)}`);
  }
  writeFileSync(docPath, next.endsWith("\n") ? next : `${next}\n`);
}

export function machineLine(): string {
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
  return `${navigator.hardwareConcurrency} cores (${cpu}), ${process.platform}-${process.arch}, Bun ${Bun.version}, ${new Date().toISOString().slice(0, 10)}`;
}
