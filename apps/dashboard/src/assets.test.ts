import { beforeAll, describe, expect, test } from "bun:test";
import { type DashboardAssets, inlineStylesheets, loadDashboardAssets, serveDashboard } from "./assets.ts";

let assets: DashboardAssets;
beforeAll(async () => {
  assets = await loadDashboardAssets();
});

const get = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  serveDashboard(assets, new Request(`http://pier.test${path}`, { method, headers }));

describe("dashboard assets", () => {
  test("index.html references only assets the server has", async () => {
    const html = await get("/")!.text();
    const refs = [...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1]!);
    expect(refs.some((r) => r.endsWith(".js"))).toBe(true);
    for (const ref of refs) expect(assets.byPath.has(ref)).toBe(true);
  });

  test("the bundle's stylesheets are inlined into index.html, so none is fetched from the console", async () => {
    const html = await get("/")!.text();
    const css = [...assets.byPath].filter(([, file]) => file.contentType.startsWith("text/css"));
    expect(css.length).toBeGreaterThan(0);
    expect(html).not.toMatch(/<link[^>]*stylesheet/i);
    for (const [, file] of css)
      expect(html).toContain(`<style>${new TextDecoder().decode(file.body)}</style>`);
  });

  test("inlineStylesheets replaces only links to known stylesheets, and cannot end its <style> early", () => {
    const sheets = new Map([
      ["/a.css", "b{color:red}"],
      ["/x.css", "p{content:'</style><script>'}"],
    ]);
    expect(
      inlineStylesheets(
        `<link rel="stylesheet" crossorigin href="/a.css"><link rel="icon" href="/a.css"><link rel=stylesheet href=/other.css>`,
        sheets,
      ),
    ).toBe(`<style>b{color:red}</style><link rel="icon" href="/a.css"><link rel=stylesheet href=/other.css>`);
    expect(inlineStylesheets(`<link href="/x.css" rel="stylesheet">`, sheets)).toBe(
      `<style>p{content:'<\\/style><script>'}</style>`,
    );
  });

  test("every dashboard page answers with index.html, revalidated and locked down", () => {
    for (const path of ["/", "/new", "/settings", "/login", "/apps/shop"]) {
      const res = get(path)!;
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  test("the CSP lets nothing of the console's origin load but scripts and the API, whatever the Host", () => {
    for (const host of ["console.example.com", "127.0.0.1:7070", "[::1]:7070", "a; script-src *"]) {
      const csp = get("/errors", { host })!.headers.get("content-security-policy")!;
      const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));
      expect(directives.get("default-src")).toEqual(["'none'"]);
      // A replayed <img src="/api/v1/…">, url(/…) or stylesheet must not reach the console with the cookie.
      expect(directives.get("img-src")).toEqual(["data:", "blob:"]);
      expect(directives.get("media-src")).toEqual(["data:", "blob:"]);
      expect(directives.get("font-src")).toEqual(["data:"]);
      expect(directives.get("style-src")).toEqual(["'unsafe-inline'"]);
      expect(directives.get("script-src")).toEqual(["'self'"]);
    }
  });

  test("hashed assets are immutable, gzipped on request, and answer 304 to their ETag", async () => {
    const [path, file] = [...assets.byPath].find(([p]) => p.endsWith(".js"))!;
    const plain = get(path)!;
    expect(plain.headers.get("cache-control")).toContain("immutable");
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect((await plain.arrayBuffer()).byteLength).toBe(file.body.byteLength);
    const zipped = get(path, { "accept-encoding": "gzip, br" })!;
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(Bun.gunzipSync(new Uint8Array(await zipped.arrayBuffer()))).toEqual(file.body);
    expect(get(path, { "if-none-match": file.etag })!.status).toBe(304);
    expect(await get(path, {}, "HEAD")!.text()).toBe("");
  });

  test("a mistyped page address gets the dashboard's own 404 page, a script gets nothing of it", async () => {
    const browser = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
    const typo = get("/setings", browser)!;
    expect(typo.status).toBe(404);
    expect(typo.headers.get("content-type")).toContain("text/html");
    expect(await typo.text()).toContain("<script");
    expect(get("/setings")).toBeNull();
  });

  test("API, git, ingest paths and writes are left to their owners", () => {
    expect(get("/api/v1/apps")).toBeNull();
    expect(get("/git/shop.git/info/refs")).toBeNull();
    expect(get("/_pier/script.js")).toBeNull();
    expect(get("/", {}, "POST")).toBeNull();
  });
});
