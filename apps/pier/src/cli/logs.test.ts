import { expect, test } from "bun:test";
import { renderCommandHelp } from "./command.ts";
import { logsCommand, unknownReplicaNote } from "./logs.ts";

test("a --replica with no lines names the replicas that have some", () => {
  expect(unknownReplicaNote("production/0", ["production/2", "production/1", "production/1"])).toBe(
    "No lines for replica production/0 (replicas with lines: production/1, production/2).",
  );
  expect(unknownReplicaNote("production/0", [])).toContain("nor for any other replica");
});

test("the --replica example names a replica that exists (they count from 1)", () => {
  expect(renderCommandHelp(logsCommand)).toContain("e.g. production/1");
});
