import { expect, test } from "bun:test";
import { withSectionKeepingNotes } from "./performance-doc.ts";

const doc = "# Performance\n\n## Proxy\n\nold proxy\n\n## Startup\n\nstartup\n";

test("a new section goes right after the one it follows", () => {
  expect(withSectionKeepingNotes(doc, "## Proxy matrix\n\nfigures\n", "Proxy")).toBe(
    "# Performance\n\n## Proxy\n\nold proxy\n\n## Proxy matrix\n\nfigures\n\n## Startup\n\nstartup\n",
  );
});

test("figures are replaced and the hand-written notes under them kept", () => {
  const before =
    "# Performance\n\n## Proxy matrix\n\nold figures\n\n### Notes\n\n- why\n\n## Startup\n\nstartup\n";
  expect(withSectionKeepingNotes(before, "## Proxy matrix\n\nnew figures\n", "Proxy")).toBe(
    "# Performance\n\n## Proxy matrix\n\nnew figures\n\n### Notes\n\n- why\n\n## Startup\n\nstartup\n",
  );
});

test("the last section, without notes, is replaced whole", () => {
  expect(withSectionKeepingNotes(doc, "## Startup\n\nnew\n", "Proxy")).toBe(
    "# Performance\n\n## Proxy\n\nold proxy\n\n## Startup\n\nnew\n",
  );
});
