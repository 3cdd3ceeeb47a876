import { expect, test } from "bun:test";
import { gitBranchProblem, gitBranchSchema } from "./git-branch.ts";

test("branch names git accepts pass, the ones it refuses say why", () => {
  for (const ok of ["main", "feature/cart", "Feature/Cart", "release-1.2", "v2_x", "a.b/c"])
    expect(gitBranchProblem(ok)).toBeNull();
  for (const bad of [
    "",
    "bad branch",
    "a..b",
    "x~1",
    "y^",
    "a:b",
    "q?",
    "s*",
    "[x",
    "a\\b",
    "-x",
    "/x",
    "x/",
    "a//b",
    "x.",
    "x.lock",
    ".hidden",
    "a/.b",
    "@",
    "a@{1}",
    "tab\there",
  ])
    expect(gitBranchProblem(bad)).not.toBeNull();
  const parsed = gitBranchSchema.safeParse("bad branch..~");
  expect(parsed.success).toBe(false);
  expect(parsed.error?.issues[0]?.message).toBe(
    '"bad branch..~" is not a git branch name: it has a space or one of ~ ^ : ? * [ \\',
  );
});
