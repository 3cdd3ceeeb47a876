import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { TRACKER_INJECT_HEADER, TRACKER_TAG } from "@pier/proxy/edge";
import { createStaticSiteHandler } from "./static-handler.ts";

const dir = mkdtempSync(join(tmpdir(), "pier-static-inject-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Over 1 KB, so it is served compressed, as real pages are.
writeFileSync(
  join(dir, "index.html"),
  `<!doctype html><html><head><title>t</title></head><body>${"<p>x</p>".repeat(300)}</body></html>`,
);
writeFileSync(join(dir, "app.js"), "console.log('x');".repeat(100));
const serve = createStaticSiteHandler({ dir, spa: false });
// What Chromium sends, not `identity`.
const browser = { "accept-encoding": "gzip, deflate, br, zstd", accept: "text/html" };

test("with the proxy's inject header, pages carry the tracker tag also when served brotli-compressed", async () => {
  const res = await serve(
    new Request("http://site/", { headers: { ...browser, [TRACKER_INJECT_HEADER]: "tracker" } }),
  );
  expect(res.headers.get("content-encoding")).toBe("br");
  const html = brotliDecompressSync(Buffer.from(await res.arrayBuffer())).toString();
  expect(html).toContain(`${TRACKER_TAG}</head>`);
  const plain = await serve(new Request("http://site/", { headers: browser }));
  expect(brotliDecompressSync(Buffer.from(await plain.arrayBuffer())).toString()).not.toContain(TRACKER_TAG);
  // Different bodies, different validators: a cached copy of one is never taken for the other.
  expect(res.headers.get("etag")).not.toBe(plain.headers.get("etag"));
});

test("other files are served as they are", async () => {
  const res = await serve(
    new Request("http://site/app.js", { headers: { [TRACKER_INJECT_HEADER]: "tracker" } }),
  );
  expect(await res.text()).not.toContain(TRACKER_TAG);
});
