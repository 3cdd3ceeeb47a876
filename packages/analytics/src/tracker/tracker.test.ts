import { describe, expect, test } from "bun:test";
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
