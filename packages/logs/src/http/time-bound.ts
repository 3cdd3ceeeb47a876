/**
 * A time bound as users type it: a duration back from now (`90s`, `15m`, `1h`, `7d`), an
 * RFC 3339 date, or epoch milliseconds. Null when it is none of those.
 */
export function parseTimeBound(value: string, now = Date.now()): number | null {
  const text = value.trim();
  const relative = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text);
  if (relative) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
      relative[2] as "ms" | "s" | "m" | "h" | "d" | "w"
    ];
    return now - Math.round(Number(relative[1]) * unit);
  }
  if (/^\d{10,16}$/.test(text)) return Number(text);
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const parsed = Date.parse(text);
    return Number.isNaN(parsed) ? null : parsed;
  }
  return null;
}
