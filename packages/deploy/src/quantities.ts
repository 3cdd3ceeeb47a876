const durationPattern = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/;
const durationUnitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "500ms", "2s", "1.5m", "1h", or a bare number of seconds -> milliseconds; null when malformed. */
export function parseDuration(value: string | number): number | null {
  if (typeof value === "number")
    return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  const match = durationPattern.exec(value.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * durationUnitMs[match[2] as keyof typeof durationUnitMs]);
}

const memoryPattern = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;
const memoryUnitBytes: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Docker-style memory sizes ("512m", "1g", "256MiB", bytes as a number) -> bytes; null when malformed. */
export function parseMemory(value: string | number): number | null {
  if (typeof value === "number") return Number.isInteger(value) && value > 0 ? value : null;
  const match = memoryPattern.exec(value.trim());
  if (!match) return null;
  return Math.round(Number(match[1]) * memoryUnitBytes[match[2]!.toLowerCase()]!);
}
