/** Severity of a log line, as pier stores and filters it (higher is more severe). */
export const levels = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type Level = (typeof levels)[number];

export function levelRank(level: Level): number {
  return levels.indexOf(level) + 1;
}

export function levelOfRank(rank: number | null): Level | null {
  return rank === null ? null : (levels[rank - 1] ?? null);
}

const names: Record<string, Level> = {
  trace: "trace",
  trc: "trace",
  verbose: "trace",
  debug: "debug",
  dbg: "debug",
  info: "info",
  inf: "info",
  information: "info",
  notice: "info",
  warn: "warn",
  warning: "warn",
  wrn: "warn",
  error: "error",
  err: "error",
  eror: "error",
  fatal: "fatal",
  critical: "fatal",
  crit: "fatal",
  panic: "fatal",
  emergency: "fatal",
  alert: "fatal",
};

export function levelOfName(name: string): Level | null {
  return names[name.toLowerCase()] ?? null;
}

/** pino and bunyan write numbers: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal. */
function levelOfNumber(n: number): Level | null {
  if (!Number.isFinite(n) || n < 10) return null;
  return levels[Math.min(5, Math.floor(n / 10) - 1)] ?? null;
}

// `[ERROR] …`, `ERROR: …`, `error - …`, `2026-12-07 06:12:15 WARN …`: a level word at the start
// (after a timestamp at most), bracketed, followed by a colon or a dash, or in capitals. A plain
// lowercase word followed by a space is prose ("information wants…"), and a bare letter (`E1207`)
// too often the first letter of a sentence.
const prefix =
  /^(?:\S*\d\S*\s+){0,2}([[(<])?(trace|trc|verbose|debug|dbg|info|inf|information|notice|warn|warning|wrn|error|err|eror|fatal|critical|crit|panic|emergency|alert)([\])>]|:|\s+-\s|\s|$)/i;
const logfmt = /(?:^|\s)(?:level|lvl|severity)=["']?([a-z]+)/i;
// `bun run start` (the generated Dockerfile's CMD) says this when its script ends on the SIGTERM
// or SIGINT it passed on: a replica asked to stop (every redeploy stops the old one), not a fault.
// Other signals (SIGKILL after the grace period, SIGSEGV) stay errors.
const askedToStop = /^error: script "[^"]*" was terminated by signal SIG(?:TERM|INT)\b/;

/**
 * The level a line states, when it states one: a JSON object's `level`/`severity`/`lvl` (names or
 * pino's numbers), logfmt's `level=`, or a level word at the start (after a timestamp at most).
 * Null when the line says nothing: stderr is not taken to mean error, many programs log there.
 */
export function parseLevel(line: string): Level | null {
  const text = line.trimStart();
  if (askedToStop.test(text)) return "info";
  if (text.startsWith("{")) {
    const fromJson = levelOfJson(text);
    if (fromJson !== undefined) return fromJson;
  }
  const head = text.length > 200 ? text.slice(0, 200) : text;
  const word = prefix.exec(head);
  if (word) {
    const [, open, name, close] = word as unknown as [string, string | undefined, string, string];
    const marked = open !== undefined || close === ":" || close.trim() === "-" || /^[A-Z]+$/.test(name);
    if (marked || close === "") return levelOfName(name);
  }
  const pair = logfmt.exec(head);
  return pair ? levelOfName(pair[1]!) : null;
}

function levelOfJson(text: string): Level | null | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ["level", "severity", "lvl", "levelname", "log.level"]) {
    const field = record[key];
    if (typeof field === "string") return levelOfName(field.trim());
    if (typeof field === "number") return levelOfNumber(field);
  }
  return null;
}

/** OTLP SeverityNumber: 1-4 trace, 5-8 debug, 9-12 info, 13-16 warn, 17-20 error, 21-24 fatal. */
export function levelOfSeverityNumber(n: number): Level | null {
  if (!Number.isInteger(n) || n < 1 || n > 24) return null;
  return levels[Math.floor((n - 1) / 4)] ?? null;
}
