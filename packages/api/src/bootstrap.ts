import { hashToken, tokenHint } from "@pier/auth";
import { newId } from "@pier/core";
import type { Stores } from "@pier/db";

/**
 * `PIER_ADMIN_TOKEN` on first start: scripts get an admin token without any interactive step.
 * Idempotent, so restarting with the same variable does nothing; a revoked seed is not revived.
 */
export async function seedAdminToken(stores: Stores, token: string): Promise<"created" | "exists"> {
  const tokenHash = hashToken(token);
  if (await stores.tokens.existsWithHash(tokenHash)) return "exists";
  await stores.tokens.create({
    id: newId("tok"),
    name: "PIER_ADMIN_TOKEN",
    tokenHash,
    hint: tokenHint(token),
    scopes: ["admin"],
    userId: null,
  });
  return "created";
}
