import { expect, test } from "bun:test";
import { removeDotSegments, scanTarget, TargetKind } from "./target-path.ts";

const scan = (target: string) => scanTarget(Buffer.from(target, "latin1"), 0, target.length);

test("only targets with a dot segment (or a %2e) take the rewriting path", () => {
  for (const plain of ["/", "/a/b.c", "/.well-known/acme", "/a/..b", "/a/b..", "/?q=/../x", "/a.", "/%41"])
    expect([plain, scan(plain)]).toEqual([plain, TargetKind.Plain]);
  for (const dots of ["/..", "/.", "/a/../b", "/a/./b", "/a/..?q", "/a/%2e%2e/b", "/a/%2Ex"])
    expect([dots, scan(dots)]).toEqual([dots, TargetKind.DotSegments]);
  expect(scan("/a b")).toBe(TargetKind.Invalid);
  expect(scan("/?q=a b")).toBe(TargetKind.Invalid);
  for (const ctl of ["/a\tb", "/?q=\t", "/a\x7f", "/a\x01"])
    expect([ctl, scan(ctl)]).toEqual([ctl, TargetKind.Invalid]);
});

test("dot segments resolve as RFC 3986 5.2.4 says; the query stays as it was", () => {
  const cases: [string, string][] = [
    ["/public/../admin", "/admin"],
    ["/../admin", "/admin"],
    ["/../../", "/"],
    ["/a/b/../c", "/a/c"],
    ["/a/./b", "/a/b"],
    ["/a/.", "/a/"],
    ["/a/b/..", "/a/"],
    ["/..", "/"],
    ["/a/%2e%2E/b", "/b"],
    ["/a/%2e/b", "/a/b"],
    ["/a/..?x=/../y", "/?x=/../y"],
    ["/a//b/../c", "/a//c"],
    ["/a/file%2ejs", "/a/file%2ejs"],
  ];
  for (const [target, resolved] of cases)
    expect([target, removeDotSegments(target)]).toEqual([target, resolved]);
});
