import { z } from "zod";

/** `/admin` matches that path only; `/admin/*` matches every path that starts with `/admin/`. */
export const excludedPathSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^\/\S*$/, "a path starting with /, e.g. /admin or /admin/* for everything below it");

const settingsFields = {
  /** Send nothing from browsers that set Do-Not-Track. */
  respectDnt: z.boolean(),
  /** Ask the proxy to add the tracker tag to the app's HTML responses. */
  autoInject: z.boolean(),
  /** Paths whose pageviews, events and Web Vitals are not recorded. */
  excludedPaths: z.array(excludedPathSchema).max(50),
};

export const siteSettingsSchema = z.strictObject(settingsFields);
export type SiteSettings = z.infer<typeof siteSettingsSchema>;
/** What PUT takes: `excludedPaths` left out stays as it is. */
export const siteSettingsBodySchema = z.strictObject({
  ...settingsFields,
  excludedPaths: settingsFields.excludedPaths.optional(),
});
export type SiteSettingsBody = z.infer<typeof siteSettingsBodySchema>;
export const defaultSiteSettings: SiteSettings = { respectDnt: false, autoInject: false, excludedPaths: [] };

/** Whether a path is one of the site's excluded paths (exact, or under a prefix ending in `*`). */
export function isExcludedPath(patterns: readonly string[], path: string): boolean {
  for (const pattern of patterns) {
    if (pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern) return true;
  }
  return false;
}
