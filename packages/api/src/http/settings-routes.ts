import type { Stores } from "@pier/db";
import { type RouteGroup, serveRoute } from "@pier/http";
import { apiRoutes } from "./contract.ts";

/** Keys in the control-plane settings table; other subsystems read them under these names. */
const settingKeys = { baseDomain: "base_domain", acmeEmail: "acme_email" } as const;

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
export function settingsRoutes(group: RouteGroup, stores: Stores, defaults: SettingsDefaults): void {
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
  serveRoute(group, apiRoutes.getSettings, answer);
  serveRoute(group, apiRoutes.updateSettings, async ({ body }) => {
    // Absent fields stay as they are; null clears a stored value back to the start-up default.
    if (body.baseDomain !== undefined) await stores.settings.set(settingKeys.baseDomain, body.baseDomain);
    if (body.acmeEmail !== undefined) await stores.settings.set(settingKeys.acmeEmail, body.acmeEmail);
    return answer();
  });
}
