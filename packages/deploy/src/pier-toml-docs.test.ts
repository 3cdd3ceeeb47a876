import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { pierTomlSchema } from "./pier-toml.ts";

/** `[section] key` for every key of pier.toml, `[[section]]` for arrays of tables, `[section]` for free maps. */
function documentedKeys(): string[] {
  const keys: string[] = [];
  for (const [section, schema] of Object.entries(pierTomlSchema.shape)) {
    // Unwrap defaults, prefaults, optionals and refinement pipes down to the object or array.
    let inner = schema as unknown as z.ZodType;
    for (;;) {
      const def = inner._zod.def as { innerType?: z.ZodType; in?: z.ZodType };
      const next = def.innerType ?? def.in;
      if (!next) break;
      inner = next;
    }
    if (inner instanceof z.ZodArray) keys.push(`[[${section}]]`);
    else if (inner instanceof z.ZodObject)
      for (const key of Object.keys(inner.shape)) keys.push(`[${section}] ${key}`);
    else keys.push(`[${section}]`);
  }
  return keys;
}

test("the README's pier.toml table names every key the schema accepts", () => {
  const readme = readFileSync(join(import.meta.dir, "..", "README.md"), "utf8");
  const rows = new Set([...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]));
  const keys = documentedKeys();
  expect(keys.length).toBeGreaterThan(20);
  expect(keys.filter((key) => !rows.has(key))).toEqual([]);
});
