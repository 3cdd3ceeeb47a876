import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashToken } from "@pier/auth";
import { createStores, openDatabase } from "@pier/db";
import { Hono } from "hono";
import { authenticate } from "./authenticate.ts";
import { watchAuthorization } from "./authorization-watch.ts";
import type { ApiEnv } from "./env.ts";
import { sseResponse, streamSource } from "./sse-response.ts";

describe("watchAuthorization", () => {
  test("calls ended once, after the principal stops being good", async () => {
    let valid = true;
    let ended = 0;
    watchAuthorization(
      async () => valid,
      () => ended++,
      10,
    );
    await Bun.sleep(40);
    expect(ended).toBe(0);
    valid = false;
    await Bun.sleep(40);
    expect(ended).toBe(1);
  });

  test("a failing lookup counts as good; a stopped watch never calls", async () => {
    let ended = 0;
    watchAuthorization(
      () => Promise.reject(new Error("database busy")),
      () => ended++,
      10,
    );
    const stop = watchAuthorization(
      async () => false,
      () => ended++,
      10,
    );
    stop();
    await Bun.sleep(40);
    expect(ended).toBe(0);
  });
});

describe("a stream outliving its authorization", () => {
  const dir = mkdtempSync(join(tmpdir(), "pier-authwatch-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("the principal's stillValid turns false once its token is revoked", async () => {
    const database = await openDatabase({ dataDir: dir });
    const stores = createStores(database);
    await stores.tokens.create({
      id: "tok_1",
      name: "ci",
      tokenHash: hashToken("pier_secret_1"),
      hint: "…t_1",
      scopes: ["read"],
    });
    const app = new Hono<ApiEnv>();
    app.use("*", authenticate({ stores }));
    const checks: boolean[] = [];
    app.get("/check", async (c) => {
      const principal = c.get("principal");
      checks.push(await principal.stillValid!());
      await stores.tokens.revoke("tok_1");
      checks.push(await principal.stillValid!());
      return c.body(null, 204);
    });
    // A stream's source carries it, so sseResponse can end the stream with it.
    app.get("/source", (c) => {
      const source = streamSource(c);
      return c.json({ watched: typeof source.stillValid === "function" });
    });
    const auth = { authorization: "Bearer pier_secret_1" };
    expect((await app.request("/source", { headers: auth })).status).toBe(200);
    expect(await (await app.request("/source", { headers: auth })).json()).toEqual({ watched: true });
    await app.request("/check", { headers: auth });
    expect(checks).toEqual([true, false]);
    await database.close();
  });

  test("an event stream ends when its source's authorization ends", async () => {
    let valid = true;
    const controller = new AbortController();
    const res = sseResponse(
      { signal: controller.signal, stillValid: async () => valid, recheckEveryMs: 10 },
      (send, closed) =>
        new Promise<void>((resolve) => {
          send("ready", "{}");
          closed.addEventListener("abort", () => resolve(), { once: true });
        }),
    );
    setTimeout(() => {
      valid = false;
    }, 30);
    const text = await Promise.race([res.text(), Bun.sleep(2_000).then(() => "still open")]);
    expect(text).toContain("event: ready");
    controller.abort();
  });
});
