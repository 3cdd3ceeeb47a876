import { z } from "zod";

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
