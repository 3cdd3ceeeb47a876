import { z } from "zod";

const hostPattern = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

export const statusPageInputSchema = z.strictObject({
  slug: z
    .string()
    .min(1)
    .max(60)
    .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
  title: z.string().min(1).max(120),
  description: z.string().max(500).optional(),
  /** Serve the page at the root of this host through the proxy (e.g. status.example.com). */
  host: z
    .string()
    .transform((h) => h.toLowerCase())
    .refine((h) => hostPattern.test(h), "host must be a DNS name like status.example.com")
    .optional(),
  appId: z.string().optional(),
  /** Monitor ids or names, shown in this order. */
  monitors: z.array(z.string().min(1)).default([]),
});
export type StatusPageInput = z.input<typeof statusPageInputSchema>;
// Without unwrapping its default, `monitors` would be emptied by a patch that leaves it out.
export const statusPagePatchSchema = z
  .strictObject({
    ...statusPageInputSchema.omit({ slug: true }).partial().shape,
    host: statusPageInputSchema.shape.host.nullable().optional(),
    monitors: statusPageInputSchema.shape.monitors.unwrap().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: "nothing to change: send at least one of title, description, host, appId, monitors",
  });
