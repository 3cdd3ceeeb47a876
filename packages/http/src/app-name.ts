import { NotFoundError } from "@pier/core";
import type { AppRow, Stores } from "@pier/db";
import { readParam } from "./body.ts";
import { appNameSchema } from "./contract/app-name.ts";

/** The app named in a route parameter, or a 400 (not an app name) or 404 (no such app). */
export async function findAppOr404(stores: Pick<Stores, "apps">, rawName: string): Promise<AppRow> {
  const name = readParam(rawName, appNameSchema, "app name");
  const app = await stores.apps.findByName(name);
  if (!app) throw new NotFoundError("App", name);
  return app;
}
