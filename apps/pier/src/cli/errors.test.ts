import { expect, test } from "bun:test";
import { errorsIssuesCommand, issueQueryFromFlags } from "./errors.ts";

const args = (flags: Record<string, string>) => ({ flags, positionals: [] });

test("issue filters map to the API's query; unresolved is the default status", () => {
  expect(issueQueryFromFlags(args({}), errorsIssuesCommand)).toBe("status=unresolved");
  expect(
    issueQueryFromFlags(
      args({ app: "shop", status: "all", sort: "count", release: "1.2.0" }),
      errorsIssuesCommand,
    ),
  ).toBe("app=shop&release=1.2.0&sort=count");
  expect(() => issueQueryFromFlags(args({ app: "a", project: "1" }), errorsIssuesCommand)).toThrow(
    /not both/,
  );
  expect(() => issueQueryFromFlags(args({ status: "open" }), errorsIssuesCommand)).toThrow(/--status/);
  expect(() => issueQueryFromFlags(args({ sort: "random" }), errorsIssuesCommand)).toThrow(/--sort/);
});
