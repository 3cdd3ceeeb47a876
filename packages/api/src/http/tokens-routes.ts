import { generateSecretToken, hashToken, tokenHint } from "@pier/auth";
import { NotFoundError, newId, ValidationError } from "@pier/core";
import { type RouteGroup, serveRoute } from "@pier/http";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";

export function tokenRoutes(group: RouteGroup, deps: ApiDeps): void {
  serveRoute(group, apiRoutes.listTokens, async () => {
    const rows = await deps.stores.tokens.list();
    return {
      tokens: rows.map((t) => ({
        id: t.id,
        name: t.name,
        hint: t.hint,
        scopes: t.scopes,
        apps: t.apps ?? null,
        createdAt: t.createdAt,
        lastUsedAt: t.lastUsedAt,
        revokedAt: t.revokedAt,
      })),
    };
  });

  serveRoute(group, apiRoutes.createToken, async ({ body }, c) => {
    for (const app of body.apps ?? []) {
      if (!(await deps.stores.apps.findByName(app)))
        throw new ValidationError(`apps: there is no app "${app}".`);
    }
    const token = generateSecretToken();
    const row = await deps.stores.tokens.create({
      id: newId("tok"),
      name: body.name,
      tokenHash: hashToken(token),
      hint: tokenHint(token),
      scopes: body.scopes,
      apps: body.apps ?? null,
      userId: c.get("principal").userId,
    });
    // The only time the token is ever shown: only its hash is stored.
    return { id: row.id, name: row.name, scopes: row.scopes, apps: row.apps ?? null, token };
  });

  serveRoute(group, apiRoutes.revokeToken, async ({ params }) => {
    if (!(await deps.stores.tokens.revoke(params.id))) throw new NotFoundError("Active token", params.id);
    return { ok: true as const, id: params.id };
  });
}
