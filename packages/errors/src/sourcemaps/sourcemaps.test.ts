import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame, ProcessedEvent } from "../process/processed-event.ts";
import { originalPosition, parseSourceMap, SourceMapError } from "./decode.ts";
import { SourceMapStore } from "./store.ts";
import { artifactNames, symbolicate } from "./symbolicate.ts";

// A real minified bundle and its map, made by Bun's bundler, so the decoder is checked against what
// a real build tool writes rather than against a hand-made map.
const source = `export function checkout(cart: { items: number[] }) {
  const total = cart.items.reduce((a, b) => a + b, 0);
  if (total > 100) {
    throw new Error("cart too expensive: " + total);
  }
  return total;
}
(globalThis as any).checkout = checkout;
`;
const throwLine = 4;
const dir = mkdtempSync(join(tmpdir(), "pier-sourcemaps-"));
let minified = "";
let mapText = "";

beforeAll(async () => {
  await Bun.write(join(dir, "src", "app.ts"), source);
  const built = await Bun.build({
    entrypoints: [join(dir, "src", "app.ts")],
    outdir: join(dir, "out"),
    minify: true,
    sourcemap: "external",
    target: "browser",
  });
  expect(built.success).toBe(true);
  minified = await Bun.file(join(dir, "out", "app.js")).text();
  mapText = await Bun.file(join(dir, "out", "app.js.map")).text();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 1-based line and column of `needle` in the minified output, as a browser stack frame gives them. */
function position(needle: string): { line: number; column: number } {
  const at = minified.indexOf(needle);
  expect(at).toBeGreaterThan(-1);
  const before = minified.slice(0, at).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe("decode", () => {
  test("a position in Bun's minified output maps back to the line that threw", () => {
    const map = parseSourceMap(JSON.parse(mapText));
    const { line, column } = position("Error(");
    const original = originalPosition(map, line, column)!;
    expect(original.source).toEndWith("app.ts");
    expect(original.line).toBe(throwLine);
    expect(original.content).toBe(source);
    expect(originalPosition(map, 999, 1)).toBeNull();
  });

  test("maps that are not version 3 or have broken mappings are refused with a named error", () => {
    expect(() => parseSourceMap({ version: 2, sources: [], mappings: "" })).toThrow(SourceMapError);
    expect(() => parseSourceMap({ version: 3, sources: ["a.js"], names: [], mappings: "AA!A" })).toThrow(
      "bad base64 VLQ",
    );
    expect(() => parseSourceMap("nope")).toThrow(SourceMapError);
  });
});

test("artifact names: the path as sent, then ~ + the URL path without query", () => {
  expect(artifactNames("https://shop.example.com/static/app.js?v=3#x")).toEqual([
    "https://shop.example.com/static/app.js?v=3#x",
    "~/static/app.js",
  ]);
  expect(artifactNames("/app/dist/server.js")).toEqual(["/app/dist/server.js", "~/app/dist/server.js"]);
  expect(artifactNames("app:///main.js")).toEqual(["app:///main.js", "~/main.js"]);
});

const frame = (absPath: string, lineno: number, colno: number): Frame => ({
  filename: absPath,
  absPath,
  function: "a",
  module: null,
  lineno,
  colno,
  inApp: true,
  contextLine: null,
  preContext: [],
  postContext: [],
});

function eventWith(frames: Frame[]): ProcessedEvent {
  return {
    eventId: "e1",
    timestamp: 1,
    receivedAt: 1,
    level: "error",
    platform: "javascript",
    logger: null,
    transaction: null,
    serverName: null,
    release: "web@1",
    dist: null,
    environment: null,
    message: null,
    exceptions: [{ type: "Error", value: "cart too expensive", module: null, mechanism: null, frames }],
    tags: {},
    user: null,
    request: null,
    contexts: {},
    breadcrumbs: [],
    extra: {},
    fingerprint: [],
    sdk: null,
  };
}

test("symbolicate: mapped frames get the original file, line and context; others stay as they are", async () => {
  const map = parseSourceMap(JSON.parse(mapText));
  const asked: string[] = [];
  const { line, column } = position("Error(");
  const event = eventWith([
    frame("https://cdn.example.com/vendor.js", 1, 10),
    // As @sentry/browser sends it: the script URL in `filename`, no `abs_path`.
    { ...frame("https://shop.example.com/static/app.js?v=1", line, column), absPath: null },
  ]);
  const out = await symbolicate(event, async (name) => {
    asked.push(name);
    return name === "~/static/app.js" ? map : null;
  });
  const [vendor, app] = out.exceptions[0]!.frames;
  expect(vendor).toEqual(event.exceptions[0]!.frames[0]!);
  expect(app!.filename).toEndWith("app.ts");
  expect(app!.lineno).toBe(throwLine);
  expect(app!.contextLine).toBe('    throw new Error("cart too expensive: " + total);');
  expect(app!.preContext).toEqual(source.split("\n").slice(0, throwLine - 1));
  expect(app!.postContext[0]).toBe("  }");
  expect(app!.minified).toEqual({
    absPath: "https://shop.example.com/static/app.js?v=1",
    lineno: line,
    colno: column,
  });
  // Each name is asked once; per frame the most specific name comes first.
  expect([...asked].sort()).toEqual([
    "https://cdn.example.com/vendor.js",
    "https://shop.example.com/static/app.js?v=1",
    "~/static/app.js",
    "~/vendor.js",
  ]);
  expect(asked.indexOf("https://cdn.example.com/vendor.js")).toBeLessThan(asked.indexOf("~/vendor.js"));
});

test("store: validated on upload, kept per project and release, listed, removed with the project", async () => {
  const store = new SourceMapStore(join(dir, "store"));
  await expect(store.put(1, "web@1", "~/static/app.js", "{not json")).rejects.toThrow(SourceMapError);
  const meta = await store.put(1, "web@1", "~/static/app.js", mapText);
  expect(meta).toMatchObject({ file: "~/static/app.js", release: "web@1", bytes: mapText.length });
  // A fresh store reads it back from disk.
  const reopened = new SourceMapStore(join(dir, "store"));
  expect((await reopened.get(1, "web@1", "~/static/app.js"))?.sources[0]).toEndWith("app.ts");
  expect(await reopened.get(1, "web@2", "~/static/app.js")).toBeNull();
  expect(await reopened.get(2, "web@1", "~/static/app.js")).toBeNull();
  expect((await reopened.list(1, "web@1")).map((m) => m.file)).toEqual(["~/static/app.js"]);
  await reopened.removeProject(1);
  expect(await new SourceMapStore(join(dir, "store")).get(1, "web@1", "~/static/app.js")).toBeNull();
});
