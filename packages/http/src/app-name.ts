import { NotFoundError } from "@pier/core";
import type { AppRow, Stores } from "@pier/db";
import { z } from "zod";
import { readParam } from "./body.ts";

/** App names become DNS labels (APP.BASE_DOMAIN) and `--` separates a preview branch from the app. */
export const appNameSchema = z
  .string()
  .min(1, "app name is required")
  .max(40, "app name must be at most 40 characters")
  .regex(
    /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/,
    "app name must be lowercase letters, digits and single dashes, starting with a letter (e.g. my-app)",
  )
  .refine((name) => !name.includes("--"), "app name must not contain `--` (it separates preview branches)");

/** The app named in a route parameter, or a 400 (not an app name) or 404 (no such app). */
export async function findAppOr404(stores: Pick<Stores, "apps">, rawName: string): Promise<AppRow> {
  const name = readParam(rawName, appNameSchema, "app name");
  const app = await stores.apps.findByName(name);
  if (!app) throw new NotFoundError("App", name);
  return app;
}
