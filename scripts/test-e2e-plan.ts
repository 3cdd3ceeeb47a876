// The pure half of scripts/test-e2e.ts: the order files start in, and the closing summary.

export interface E2eOutcome {
  file: string;
  code: number;
  seconds: number;
}

/** Files by size, largest first (ties by name, so the order is stable). */
export function longestFirst(files: { file: string; size: number }[]): string[] {
  return [...files].sort((a, b) => b.size - a.size || a.file.localeCompare(b.file)).map((f) => f.file);
}

/** Every file's duration (slowest first), the failures named last, and whether any failed. */
export function summary(outcomes: E2eOutcome[], wallSeconds: number): { text: string; failed: boolean } {
  const rows = [...outcomes]
    .sort((a, b) => b.seconds - a.seconds)
    .map((o) => `${o.seconds.toFixed(0).padStart(5)} s  ${o.code === 0 ? "ok  " : "FAIL"}  ${o.file}`);
  const failures = outcomes.filter((o) => o.code !== 0).map((o) => o.file);
  const busy = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  const lines = [
    "",
    `==> e2e: ${outcomes.length - failures.length} of ${outcomes.length} files passed in ${wallSeconds.toFixed(0)} s (${busy.toFixed(0)} s of suites)`,
    ...rows,
  ];
  if (failures.length) lines.push("", `failed: ${failures.join(" ")}`);
  return { text: lines.join("\n"), failed: failures.length > 0 };
}
