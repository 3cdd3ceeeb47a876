/** Pure helpers of the charts (tested without a browser). */

/** Axis ticks: 1234 → "1.2k", 0.5 → "0.5"; never more than four characters of digits. */
export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** The date of a bucket as the tooltip names it: days without time, hours and minutes with it. */
export function bucketLabel(ms: number, stepMs: number): string {
  const date = new Date(ms);
  if (stepMs >= 86_400_000)
    return date.toLocaleDateString([], { weekday: "short", month: "short", day: "numeric" });
  return date.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Change from `previous` to `current` as a signed percentage, null when there is nothing to compare with. */
export function percentChange(current: number, previous: number): number | null {
  if (previous === 0) return current === 0 ? 0 : null;
  return Math.round(((current - previous) / previous) * 1000) / 10;
}

/** `var(--name)` → the custom property's value on `element`; other colours as they are. */
export function resolveColor(color: string, element: Element): string {
  const match = /^var\((--[\w-]+)\)$/.exec(color);
  if (!match) return color;
  return getComputedStyle(element).getPropertyValue(match[1]!).trim() || "#888";
}
