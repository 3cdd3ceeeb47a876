// The pure half of scripts/test-e2e.ts: the order files start in, and the closing summary.

export interface E2eOutcome {
  file: string;
  code: number;
  seconds: number;
  /** The file's whole output; only a failure's is read, for its digest. */
  output?: string;
}

/**
 * The few lines of a failed file's output that say what failed: each `(fail)` line and the first
 * lines of each error. CI keeps only the tail of a run's output, so these are printed last, where
 * the cause survives even when the file's full output scrolled away.
 */
export function failureDigest(output: string, maxLines = 14): string[] {
  const lines = output.split("\n");
  const picked: string[] = [];
  for (let i = 0; i < lines.length && picked.length < maxLines; i++) {
    const line = lines[i] ?? "";
    const wanted =
      line.startsWith("(fail)") || /^(error|Error|\w*Error):|^\s*Expected|^\s*Received|timed out/.test(line);
    // bun repeats each (fail) line in its closing list: once is enough.
    if (wanted && !picked.includes(line.slice(0, 300))) picked.push(line.slice(0, 300));
  }
  return picked;
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
  for (const o of outcomes) {
    if (o.code === 0 || !o.output) continue;
    const digest = failureDigest(o.output);
    if (digest.length) lines.push("", `--- ${o.file}:`, ...digest.map((l) => `  ${l}`));
  }
  if (failures.length) lines.push("", `failed: ${failures.join(" ")}`);
  return { text: lines.join("\n"), failed: failures.length > 0 };
}
