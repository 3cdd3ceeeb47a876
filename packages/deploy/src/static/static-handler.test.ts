import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { createStaticSiteHandler } from "./static-handler.ts";

const dir = mkdtempSync(join(tmpdir(), "pier-static-"));
const css = `body { color: red; }\n`.repeat(200);
await Bun.write(join(dir, "index.html"), "<h1>home</h1>");
await Bun.write(join(dir, "style.css"), css);
await Bun.write(join(dir, "docs/index.html"), "<h1>docs</h1>");
await Bun.write(join(dir, "about.html"), "<h1>about</h1>");
const outside = mkdtempSync(join(tmpdir(), "pier-static-outside-"));
await Bun.write(join(outside, "secret.key"), "do not serve");
symlinkSync(join(outside, "secret.key"), join(dir, "leak.txt"));
symlinkSync("style.css", join(dir, "alias.css"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const site = createStaticSiteHandler({ dir, spa: false });
const spa = createStaticSiteHandler({ dir, spa: true });
const get = (handler: typeof site, path: string, headers: Record<string, string> = {}) =>
  handler(new Request(`http://site.test${path}`, { headers }));

describe("static site handler", () => {
  test("index, directory index and pretty URLs with content types", async () => {
    const home = await get(site, "/");
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await home.text()).toBe("<h1>home</h1>");
    expect(await (await get(site, "/docs/")).text()).toBe("<h1>docs</h1>");
    expect(await (await get(site, "/docs")).text()).toBe("<h1>docs</h1>");
    expect(await (await get(site, "/about")).text()).toBe("<h1>about</h1>");
  });

  test("304 on a matching ETag and on If-Modified-Since", async () => {
    const first = await get(site, "/style.css");
    const etag = first.headers.get("etag")!;
    const lastModified = first.headers.get("last-modified")!;
    expect(etag).toStartWith('W/"');
    expect((await get(site, "/style.css", { "if-none-match": etag })).status).toBe(304);
    expect((await get(site, "/style.css", { "if-modified-since": lastModified })).status).toBe(304);
  });

  test("br and gzip when accepted, identity otherwise", async () => {
    const br = await get(site, "/style.css", { "accept-encoding": "gzip, br" });
    expect(br.headers.get("content-encoding")).toBe("br");
    expect(br.headers.get("vary")).toBe("Accept-Encoding");
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(css);
    const gz = await get(site, "/style.css", { "accept-encoding": "gzip" });
    expect(gz.headers.get("content-encoding")).toBe("gzip");
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(css);
    const plain = await get(site, "/style.css");
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(await plain.text()).toBe(css);
  });

  test("404 without SPA, index.html for page paths with SPA, assets stay 404", async () => {
    expect((await get(site, "/nope")).status).toBe(404);
    const page = await get(spa, "/app/settings", { accept: "text/html" });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("<h1>home</h1>");
    expect((await get(spa, "/missing.js", { accept: "*/*" })).status).toBe(404);
  });

  test("symlinks leaving the site are not followed; ones inside it are", async () => {
    expect((await get(site, "/leak.txt")).status).toBe(404);
    expect(await (await get(site, "/alias.css")).text()).toBe(css);
  });

  test("traversal is refused and other methods are 405", async () => {
    expect((await get(site, "/a/..%2f..%2fetc%2fpasswd")).status).toBe(400);
    expect((await site(new Request("http://site.test/", { method: "POST" }))).status).toBe(405);
  });
});
