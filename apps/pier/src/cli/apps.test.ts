import { expect, test } from "bun:test";
import { gitRemoteHint } from "./apps.ts";

test("apps create prints the git remote of the new app, with a token placeholder", () => {
  const hint = gitRemoteHint("https://pier.example.com:7070/", "blog", "main");
  expect(hint).toContain("  git remote add pier https://x:TOKEN@pier.example.com:7070/git/blog.git\n");
  expect(hint).toContain("  git push pier main");
  expect(hint).toContain("pier token create --name blog-git --scope deploy --app blog");
});
