import type { Stores } from "@pier/db";
import { type ApiEnv, readBody, requireScope } from "@pier/http";
import type { MiddlewareHandler } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { hostSchema } from "../schemas.ts";

/** Keys in the control-plane settings table; other subsystems read them under these names. */
export const settingKeys = { baseDomain: "base_domain", acmeEmail: "acme_email" } as const;

export const settingsBody = z.strictObject({
  baseDomain: hostSchema
    .refine((h) => !h.startsWith("*."), "base domain must not be a wildcard (apps get APP.BASE_DOMAIN)")
    .nullable()
    .optional(),
  acmeEmail: z.email("ACME email must be an email address").toLowerCase().nullable().optional(),
});

export interface SettingsDefaults {
  baseDomain: string;
  acmeEmail: string | null;
  acmeEnabled: boolean;
}

async function readSettings(stores: Stores) {
  const [baseDomain, acmeEmail] = await Promise.all([
    stores.settings.get<string | null>(settingKeys.baseDomain),
    stores.settings.get<string | null>(settingKeys.acmeEmail),
  ]);
  return { baseDomain: baseDomain ?? null, acmeEmail: acmeEmail ?? null };
}

/**
 * `GET/PUT /api/v1/settings`: what an operator sets in the dashboard, next to what is in effect
 * (a stored value wins over the `--base-domain` flag / PIER_ACME_EMAIL it was started with).
 */
export function settingsRoutes(
  stores: Stores,
  authenticate: MiddlewareHandler<ApiEnv>,
  defaults: SettingsDefaults,
) {
  const api = new Hono<ApiEnv>();
  api.use("*", authenticate);
  const answer = async () => {
    const settings = await readSettings(stores);
    return {
      settings,
      effective: {
        baseDomain: settings.baseDomain ?? defaults.baseDomain,
        acmeEmail: settings.acmeEmail ?? defaults.acmeEmail,
        acme: defaults.acmeEnabled,
      },
    };
  };
  api.get("/", requireScope("read"), async (c) => c.json(await answer()));
  api.put("/", requireScope("admin"), async (c) => {
    const body = await readBody(c, settingsBody);
    // Absent fields stay as they are; null clears a stored value back to the start-up default.
    if (body.baseDomain !== undefined) await stores.settings.set(settingKeys.baseDomain, body.baseDomain);
    if (body.acmeEmail !== undefined) await stores.settings.set(settingKeys.acmeEmail, body.acmeEmail);
    return c.json(await answer());
  });
  return api;
}
