// Pure zod: the deploy API's contract and its handlers both import these, and the dashboard
// type-checks the contract without any server code.
import { gitBranchSchema } from "@pier/http/contract";
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

// The grammar of an image reference (github.com/distribution/reference): [registry[:port]/]path[:tag][@digest].
const domainPart = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domain = `(?:${domainPart}(?:\\.${domainPart})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const pathComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const imageReference = new RegExp(
  `^(?:${domain}/)?${pathComponent}(?:/${pathComponent})*(?::[\\w][\\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$`,
);

export const imageReferenceSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(
    imageReference,
    "not an image reference: [REGISTRY/]NAME[:TAG][@DIGEST] in lower case, e.g. nginx:1.27 or ghcr.io/acme/web:v2",
  );

export const imageBody = z.strictObject({
  image: imageReferenceSchema,
  port: z.int().min(1).max(65535).optional(),
  branch: gitBranchSchema.optional(),
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

const envValue = z.string().max(64 * 1024);

/** One variable (`key`, `value`) or several at once (`vars`), which are set together or not at all. */
export const envBody = z
  .strictObject({
    key: envKeySchema.optional(),
    value: envValue.optional(),
    vars: z
      .array(z.strictObject({ key: envKeySchema, value: envValue }))
      .min(1)
      .max(256)
      .optional(),
    secret: z.boolean().default(true),
    environment: environmentName.default(""),
  })
  .superRefine((body, ctx) => {
    const single = body.key !== undefined || body.value !== undefined;
    if (single && body.vars)
      ctx.addIssue({ code: "custom", message: "send either key and value, or vars, not both" });
    else if (!body.vars && (body.key === undefined || body.value === undefined))
      ctx.addIssue({ code: "custom", message: "send key and value, or vars: [{key, value}, ...]" });
    const keys = body.vars?.map((v) => v.key) ?? [];
    const repeated = keys.find((key, i) => keys.indexOf(key) !== i);
    if (repeated) ctx.addIssue({ code: "custom", path: ["vars"], message: `${repeated} is given twice` });
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
