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

/**
 * `doc` with `section` (which starts with its "## Title" line) in place of the section of that
 * title, keeping the hand-written "### Notes" at the end of the old one: the figures above the
 * notes are replaced, the analysis survives re-runs. A section not there yet goes right after the
 * section titled `after`, else at the end. Pure.
 */
export function withSectionKeepingNotes(doc: string, section: string, after: string): string {
  const heading = section.slice(0, section.indexOf("\n") + 1);
  const start = doc.indexOf(heading);
  if (start === -1) {
    const previous = doc.indexOf(`## ${after}\n`);
    const next = previous === -1 ? -1 : doc.indexOf("\n## ", previous + 1);
    return next === -1
      ? `${doc.trimEnd()}\n\n${section}`
      : `${doc.slice(0, next + 1)}${section}\n${doc.slice(next + 1)}`;
  }
  const next = doc.indexOf("\n## ", start + 1);
  const old = doc.slice(start, next === -1 ? doc.length : next + 1);
  const notesAt = old.indexOf("\n### Notes\n");
  const notes = notesAt === -1 ? "" : `\n${old.slice(notesAt + 1).trimEnd()}\n`;
  return doc.slice(0, start) + section + notes + (next === -1 ? "" : `\n${doc.slice(next + 1)}`);
}

/** Writes `section` into docs/performance.md as withSectionKeepingNotes places it. */
export function writeSectionKeepingNotes(section: string, after: string): void {
  writeFileSync(docPath, withSectionKeepingNotes(readFileSync(docPath, "utf8"), section, after));
  console.error(`wrote ${docPath}`);
}

export function machineLine(): string {
  const cpu = readFileSync("/proc/cpuinfo", "utf8").match(/model name\s*:\s*(.+)/)?.[1] ?? "unknown CPU";
  return `${navigator.hardwareConcurrency} cores (${cpu}), ${process.platform}-${process.arch}, Bun ${Bun.version}, ${new Date().toISOString().slice(0, 10)}`;
}
