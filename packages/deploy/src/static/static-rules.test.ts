import { describe, expect, test } from "bun:test";
import { contentTypeFor, isCompressible } from "./content-types.ts";
import {
  cacheControlFor,
  candidatePaths,
  chooseEncoding,
  etagFor,
  isNotModified,
  wantsSpaFallback,
} from "./static-rules.ts";

describe("candidatePaths", () => {
  test("root, directories and pretty URLs", () => {
    expect(candidatePaths("/")).toEqual(["index.html"]);
    expect(candidatePaths("/docs/")).toEqual(["docs/index.html"]);
    expect(candidatePaths("/about")).toEqual(["about", "about/index.html", "about.html"]);
    expect(candidatePaths("/app.js")).toEqual(["app.js", "app.js/index.html"]);
    expect(candidatePaths("/a%20b.txt")).toEqual(["a b.txt", "a b.txt/index.html"]);
  });
  test("paths leaving the site are refused", () => {
    expect(candidatePaths("/../etc/passwd")).toBeNull();
    expect(candidatePaths("/a/%2e%2e/%2e%2e/secret")).toBeNull();
    expect(candidatePaths("/a%00b")).toBeNull();
    expect(candidatePaths("/a%5c..%5cb")).toBeNull();
    expect(candidatePaths("/%E0%A4%A")).toBeNull();
  });
});

test("SPA fallback only for page navigations", () => {
  expect(wantsSpaFallback("/dashboard/settings", "text/html,application/xhtml+xml")).toBe(true);
  expect(wantsSpaFallback("/dashboard", null)).toBe(true);
  expect(wantsSpaFallback("/assets/app.js", "*/*")).toBe(false);
  expect(wantsSpaFallback("/api/data", "application/json")).toBe(false);
});

describe("conditional requests", () => {
  const mtime = Date.parse("2026-01-02T03:04:05.678Z");
  const etag = etagFor(1234, mtime);
  test("If-None-Match, weak comparison, lists and *", () => {
    expect(isNotModified({ ifNoneMatch: etag, ifModifiedSince: null }, etag, mtime)).toBe(true);
    expect(isNotModified({ ifNoneMatch: etag.slice(2), ifModifiedSince: null }, etag, mtime)).toBe(true);
    expect(isNotModified({ ifNoneMatch: `"x", ${etag}`, ifModifiedSince: null }, etag, mtime)).toBe(true);
    expect(isNotModified({ ifNoneMatch: "*", ifModifiedSince: null }, etag, mtime)).toBe(true);
    expect(isNotModified({ ifNoneMatch: '"other"', ifModifiedSince: null }, etag, mtime)).toBe(false);
  });
  test("If-None-Match wins over If-Modified-Since", () => {
    const later = new Date(mtime + 60_000).toUTCString();
    expect(isNotModified({ ifNoneMatch: '"other"', ifModifiedSince: later }, etag, mtime)).toBe(false);
  });
  test("If-Modified-Since at second precision", () => {
    const same = new Date(mtime).toUTCString();
    expect(isNotModified({ ifNoneMatch: null, ifModifiedSince: same }, etag, mtime)).toBe(true);
    const before = new Date(mtime - 2000).toUTCString();
    expect(isNotModified({ ifNoneMatch: null, ifModifiedSince: before }, etag, mtime)).toBe(false);
    expect(isNotModified({ ifNoneMatch: null, ifModifiedSince: "garbage" }, etag, mtime)).toBe(false);
  });
  test("the etag changes with size and mtime", () => {
    expect(etagFor(1, 1000)).not.toBe(etagFor(2, 1000));
    expect(etagFor(1, 1000)).not.toBe(etagFor(1, 2000));
  });
});

test("encoding negotiation", () => {
  expect(chooseEncoding("gzip, deflate, br")).toBe("br");
  expect(chooseEncoding("gzip")).toBe("gzip");
  expect(chooseEncoding("br;q=0, gzip;q=0.5")).toBe("gzip");
  expect(chooseEncoding("*")).toBe("br");
  expect(chooseEncoding("*;q=0")).toBe("identity");
  expect(chooseEncoding(null)).toBe("identity");
  expect(chooseEncoding("identity")).toBe("identity");
});

test("content types and compressibility", () => {
  expect(contentTypeFor("index.html")).toBe("text/html; charset=utf-8");
  expect(contentTypeFor("a/b/app.MJS")).toBe("text/javascript; charset=utf-8");
  expect(contentTypeFor("logo.svg")).toBe("image/svg+xml");
  expect(contentTypeFor("dir.v2/README")).toBe("application/octet-stream");
  expect(isCompressible("text/css; charset=utf-8")).toBe(true);
  expect(isCompressible("image/png")).toBe(false);
  expect(isCompressible("font/woff2")).toBe(false);
});

test("cache control: html revalidates, hashed assets are immutable", () => {
  expect(cacheControlFor("index.html")).toBe("no-cache");
  expect(cacheControlFor("assets/app-3f2a9c1b.js")).toContain("immutable");
  expect(cacheControlFor("app.js")).toBe("public, max-age=0, must-revalidate");
});
