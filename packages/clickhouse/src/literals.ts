// ClickHouse 18.16 (Debian's package) has no query parameters, so values are inlined as literals.
// Every value that reaches SQL goes through `quote` or `int`.

/** A string literal: backslashes and single quotes escaped, so no value can end the literal. */
export function quote(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/** An integer literal; NaN or Infinity would otherwise reach SQL as `NaN` / `Infinity`. */
export function int(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
  return String(Math.trunc(value));
}
