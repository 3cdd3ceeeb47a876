/** What a running backup or restore reports, for logs, the CLI and the API's progress stream. */
export interface Progress {
  phase: "database" | "snapshot" | "archive" | "upload" | "verify" | "restore";
  /** The member (or database) at hand. */
  member?: string;
  files: number;
  bytes: number;
  /** Known when the total is: bytes of all members. */
  totalBytes?: number;
}

export type ProgressListener = (progress: Progress) => void;

/** At most one call per `intervalMs` (and always the first), so progress never floods a stream. */
export function throttled(listener: ProgressListener, intervalMs = 500): ProgressListener {
  let last = 0;
  let lastPhase = "";
  return (progress) => {
    const now = Date.now();
    if (progress.phase === lastPhase && now - last < intervalMs) return;
    last = now;
    lastPhase = progress.phase;
    listener(progress);
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
