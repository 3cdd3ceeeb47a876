import { describe, expect, test } from "bun:test";
import { injectTrackerTag, shouldInject, TRACKER_TAG } from "@pier/proxy/edge";
import { trackerScript } from "./tracker.ts";

describe("tracker script", () => {
  test("is under 2 KB gzipped and valid JavaScript", () => {
    const script = trackerScript({ respectDnt: true });
    const gzipped = Bun.gzipSync(new TextEncoder().encode(script)).length;
    expect(gzipped).toBeLessThan(2048);
    expect(() => new Function(script)).not.toThrow();
    expect(script.startsWith("var PIER_DNT=true;")).toBe(true);
  });

  test("never touches cookies or storage", () => {
    const script = trackerScript({ respectDnt: false });
    expect(script).not.toMatch(/cookie|localStorage|sessionStorage|indexedDB/);
  });
});

describe("injectTrackerTag", () => {
  test("goes before </head>", () => {
    expect(injectTrackerTag("<html><head><title>x</title></head><body></body></html>")).toBe(
      `<html><head><title>x</title>${TRACKER_TAG}</head><body></body></html>`,
    );
  });
  test("falls back to after <body> and then to the start", () => {
    expect(injectTrackerTag('<body class="a"><p>hi</p></body>')).toBe(
      `<body class="a">${TRACKER_TAG}<p>hi</p></body>`,
    );
    expect(injectTrackerTag("<p>hi</p>")).toBe(`${TRACKER_TAG}<p>hi</p>`);
  });
  test("leaves pages that already load the tracker alone", () => {
    const page = '<head><script src="/_pier/script.js"></script></head>';
    expect(injectTrackerTag(page)).toBe(page);
  });
  test("only successful uncompressed HTML is injected", () => {
    expect(shouldInject(200, new Headers({ "content-type": "text/html; charset=utf-8" }))).toBe(true);
    expect(shouldInject(200, new Headers({ "content-type": "application/json" }))).toBe(false);
    expect(shouldInject(304, new Headers({ "content-type": "text/html" }))).toBe(false);
    expect(shouldInject(200, new Headers({ "content-type": "text/html", "content-encoding": "br" }))).toBe(
      false,
    );
  });
});
