export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** JSON lines for machines; pretty lines for humans at a terminal. */
  format?: "json" | "pretty";
  write?: (line: string) => void;
  now?: () => Date;
}

/** Renders one record; pure so the two formats are testable without a terminal. */
export function formatLogRecord(
  format: "json" | "pretty",
  time: Date,
  level: LogLevel,
  msg: string,
  fields: LogFields,
): string {
  if (format === "json") {
    return JSON.stringify({ time: time.toISOString(), level, msg, ...fields }, errorReplacer);
  }
  const extras = Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v, errorReplacer)}`)
    .join(" ");
  const clock = time.toISOString().slice(11, 19);
  return `${clock} ${level.toUpperCase().padEnd(5)} ${msg}${extras ? ` ${extras}` : ""}`;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const level = options.level ?? "info";
  const format = options.format ?? (process.stderr.isTTY ? "pretty" : "json");
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const emit = (at: LogLevel, msg: string, fields?: LogFields) => {
    if (levelRank[at] < levelRank[level]) return;
    write(formatLogRecord(format, now(), at, msg, { ...bound, ...fields }));
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

/** A logger that drops everything: for tests and for CLI commands that print their own output. */
export const silentLogger: Logger = createLogger({ write: () => {} });
