import { expect, test } from "bun:test";
import { ReadCursor } from "./read-cursor.ts";

const at = (n: number) => `2026-12-07T14:00:00.${String(n).padStart(9, "0")}Z`;

test("lines up to where the read resumed are skipped; later ones are taken in any order", () => {
  const read = new ReadCursor(at(5));
  // The second the Engine repeats (since is whole seconds): stored already.
  expect(read.take(at(3))).toBe(false);
  expect(read.take(at(5))).toBe(false);
  // stdout at 6 and 8, then stderr stamped 7 in between: all three are new.
  expect(read.take(at(6))).toBe(true);
  expect(read.take(at(8))).toBe(true);
  expect(read.take(at(7))).toBe(true);
  expect(read.cursor).toBe(at(8));
});

test("a first read takes everything; the cursor stays on the newest stamp", () => {
  const read = new ReadCursor(null);
  expect(read.cursor).toBeNull();
  expect(read.take(at(2))).toBe(true);
  expect(read.take(at(1))).toBe(true);
  expect(read.cursor).toBe(at(2));
});
