import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

// WCAG AA for the dashboard's palette, in both schemes: every text colour against every surface
// it is used on reaches 4.5:1 (the figure for normal-size text).
const css = readFileSync(join(import.meta.dir, "style.css"), "utf8");

function variables(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of block.matchAll(/--([a-z0-9-]+):\s*(#[0-9a-f]{6})\s*;/gi)) out[m[1]!] = m[2]!;
  return out;
}

const light = variables(/:root\s*\{([^}]*)\}/.exec(css)![1]!);
const dark = {
  ...light,
  ...variables(/prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css)![1]!),
};

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const pairs: [text: string, surface: string][] = [
  ["text", "bg"],
  ["text", "panel"],
  ["text", "panel-2"],
  ["muted", "bg"],
  ["muted", "panel"],
  ["muted", "panel-2"],
  ["placeholder", "bg"],
  ["accent", "bg"],
  ["accent", "panel"],
  ["accent-text", "accent-bg"],
  ["ok", "panel"],
  ["warn", "panel"],
  ["bad", "panel"],
  ["info", "panel"],
  ["text", "code-bg"],
];

for (const [scheme, palette] of [
  ["light", light],
  ["dark", dark],
] as const) {
  test(`${scheme} scheme: text colours reach 4.5:1 on their surfaces`, () => {
    const failing = pairs
      .map(([fg, bg]) => ({ pair: `${fg} on ${bg}`, ratio: contrast(palette[fg]!, palette[bg]!) }))
      .filter((p) => !(p.ratio >= 4.5));
    expect(failing).toEqual([]);
  });
}
