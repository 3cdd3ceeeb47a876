// Pure zod: the deploy API's contract and its handlers both import these, and the dashboard
// type-checks the contract without any server code.
import { z } from "zod";

export const envKeySchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env var names are letters, digits and _, not starting with a digit")
  .max(256);

/** "" for every environment, else "production" or a preview slug: a DNS label (previewSlug). */
export const environmentName = z
  .string()
  .max(63)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)?$/,
    'an environment is "production" or a preview name: lowercase letters, digits and hyphens',
  );

/** A git branch to deploy as; empty means the app's default branch. */
export const branchQuery = z
  .string()
  .max(200)
  .regex(/^[^\s~^:?*[\\]*$/, "not a valid branch name");

export const imageBody = z.strictObject({
  image: z.string().min(1).max(512),
  port: z.int().min(1).max(65535).optional(),
  branch: z.string().min(1).max(200).optional(),
});

export const gitRefBody = z.strictObject({
  /** A branch or a commit that was pushed; the app's production branch when absent. */
  ref: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._/-]+$/, "a branch name or a commit id")
    .refine((r) => !r.startsWith("-") && !r.includes(".."), "a branch name or a commit id")
    .optional(),
  /** The environment's branch when `ref` is a commit (default: production). */
  branch: z.string().min(1).max(200).optional(),
});

export const rollbackBody = z.strictObject({
  to: z.string().min(1).max(64).optional(),
  /** Run the release's `[deploy] release_command` again (it ran when the release was first deployed). */
  releaseCommand: z.boolean().optional(),
});

export const envBody = z.strictObject({
  key: envKeySchema,
  value: z.string().max(64 * 1024),
  secret: z.boolean().default(true),
  environment: environmentName.default(""),
});

export const deploymentStatus = z.enum([
  "queued",
  "building",
  "starting",
  "live",
  "failed",
  "superseded",
  "rolled_back",
  "cancelled",
]);

/**
 * What the apps list shows per app (appStatus): deploying, live, sleeping (idle, woken by the next
 * request), crashed (a live release with no replica serving), failed (never live, last deploy
 * failed), new (never deployed).
 */
export const appStatusSchema = z.enum(["deploying", "live", "sleeping", "crashed", "failed", "new"]);
export type AppStatus = z.infer<typeof appStatusSchema>;

/**
 * A number in the query string, read as leniently as the deploy API always has: absent is
 * `absent`, unreadable or 0 is `unreadable`, anything else is clamped into [min, max].
 */
export function clampedQueryNumber(options: {
  absent: number;
  unreadable: number;
  min: number;
  max: number;
}) {
  return z
    .string()
    .optional()
    .transform((raw) =>
      Math.min(options.max, Math.max(options.min, Number(raw ?? options.absent) || options.unreadable)),
    );
}
