import { z } from "zod";

export const siteSettingsSchema = z.strictObject({
  /** Send nothing from browsers that set Do-Not-Track. */
  respectDnt: z.boolean(),
  /** Ask the proxy to add the tracker tag to the app's HTML responses. */
  autoInject: z.boolean(),
});
export type SiteSettings = z.infer<typeof siteSettingsSchema>;
export const defaultSiteSettings: SiteSettings = { respectDnt: false, autoInject: false };
