import { expect, test } from "bun:test";
import { foreignOwner } from "./ownership.ts";

const ours = "pier_ours";

test("a labelled container is its label's pier's; an unlabelled one is the pier's that created the service", () => {
  expect(foreignOwner(ours, "pier_other", ours)).toBeNull();
  expect(foreignOwner("pier_other", ours, ours)).toBe("pier_other");
  expect(foreignOwner(undefined, ours, ours)).toBeNull();
  // A restored copy: the row says the original created it, so its unlabelled container is not ours.
  expect(foreignOwner(undefined, "pier_original", ours)).toBe("pier_original");
  expect(foreignOwner(undefined, "unknown", ours)).toBe("unknown");
  expect(foreignOwner(undefined, null, ours)).toBe("unknown");
});
