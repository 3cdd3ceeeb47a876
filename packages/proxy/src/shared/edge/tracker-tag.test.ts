import { describe, expect, test } from "bun:test";
import { injectTrackerTag, shouldInject, TRACKER_TAG } from "./tracker-tag.ts";

describe("injectTrackerTag", () => {
  test("goes before </head>, whatever its case and spacing", () => {
    expect(injectTrackerTag("<html><head><title>x</title></head><body></body></html>")).toBe(
      `<html><head><title>x</title>${TRACKER_TAG}</head><body></body></html>`,
    );
    expect(injectTrackerTag("<HEAD></HEAD >")).toBe(`<HEAD>${TRACKER_TAG}</HEAD >`);
  });
  test("falls back to after <body> and then to the start", () => {
    expect(injectTrackerTag('<body class="a"><p>hi</p></body>')).toBe(
      `<body class="a">${TRACKER_TAG}<p>hi</p></body>`,
    );
    expect(injectTrackerTag("<p>hi</p>")).toBe(`${TRACKER_TAG}<p>hi</p>`);
  });
  test("a page without <head> or <body> keeps its doctype first (no quirks mode)", () => {
    expect(injectTrackerTag("<!DOCTYPE html>\n<title>x</title><p>hi</p>")).toBe(
      `<!DOCTYPE html>${TRACKER_TAG}\n<title>x</title><p>hi</p>`,
    );
    expect(injectTrackerTag('<!doctype html><html lang="en"><p>hi</p></html>')).toBe(
      `<!doctype html><html lang="en">${TRACKER_TAG}<p>hi</p></html>`,
    );
  });
  test("leaves pages that already load the tracker alone", () => {
    const page = '<head><script src="/_pier/script.js"></script></head>';
    expect(injectTrackerTag(page)).toBe(page);
  });
});

test("only successful uncompressed HTML is injected", () => {
  expect(shouldInject(200, new Headers({ "content-type": "text/html; charset=utf-8" }))).toBe(true);
  expect(shouldInject(200, new Headers({ "content-type": "TEXT/HTML" }))).toBe(true);
  expect(shouldInject(200, new Headers({ "content-type": "application/json" }))).toBe(false);
  expect(shouldInject(200, new Headers())).toBe(false);
  expect(shouldInject(304, new Headers({ "content-type": "text/html" }))).toBe(false);
  expect(shouldInject(200, new Headers({ "content-type": "text/html", "content-encoding": "br" }))).toBe(
    false,
  );
});
