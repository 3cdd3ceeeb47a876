import { expect, test } from "bun:test";
import { errorsIssuesCommand, issueQueryFromFlags } from "./errors.ts";
import { sourceMapTargets } from "./errors-sourcemaps.ts";

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

test("source map uploads: each *.map belongs to its minified file under the URL prefix", () => {
  expect(
    sourceMapTargets(["app.min.js.map", "app.min.js", "chunks/a-1.js.map", "README.md"], "~/static/"),
  ).toEqual([
    { map: "app.min.js.map", file: "~/static/app.min.js" },
    { map: "chunks/a-1.js.map", file: "~/static/chunks/a-1.js" },
  ]);
  expect(sourceMapTargets(["server.js.map"], "/app/dist")).toEqual([
    { map: "server.js.map", file: "/app/dist/server.js" },
  ]);
  expect(sourceMapTargets(["x.js"], "~")).toEqual([]);
});
