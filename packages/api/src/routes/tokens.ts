import { generateSecretToken, hashToken, tokenHint } from "@pier/auth";
import { NotFoundError, newId } from "@pier/core";
import type { ApiEnv } from "@pier/http";
import { readBody, requireScope } from "@pier/http";
import { Hono } from "hono";
import type { ApiDeps } from "../context.ts";
import { createTokenBody } from "../schemas.ts";

export function tokenRoutes(deps: ApiDeps) {
  const app = new Hono<ApiEnv>();
  app.use("*", requireScope("admin"));

  app.get("/", async (c) => {
    const rows = await deps.stores.tokens.list();
    return c.json({
      tokens: rows.map((t) => ({
        id: t.id,
        name: t.name,
        hint: t.hint,
        scopes: t.scopes,
        createdAt: t.createdAt,
        lastUsedAt: t.lastUsedAt,
        revokedAt: t.revokedAt,
      })),
    });
  });

  app.post("/", async (c) => {
    const body = await readBody(c, createTokenBody);
    const token = generateSecretToken();
    const principal = c.get("principal");
    const row = await deps.stores.tokens.create({
      id: newId("tok"),
      name: body.name,
      tokenHash: hashToken(token),
      hint: tokenHint(token),
      scopes: body.scopes,
      userId: principal.userId,
    });
    // The only time the token is ever shown: only its hash is stored.
    return c.json({ id: row.id, name: row.name, scopes: row.scopes, token }, 201);
  });

  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    if (!(await deps.stores.tokens.revoke(id))) throw new NotFoundError("Active token", id);
    return c.json({ ok: true, id });
  });

  return app;
}
