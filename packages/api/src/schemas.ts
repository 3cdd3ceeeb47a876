import { appNameSchema, gitBranchSchema } from "@pier/http/contract";
import { hostSchema, pathPrefixSchema, upstreamProtocolSchema, upstreamUrlSchema } from "@pier/proxy/spec";
import { z } from "zod";

export { hostSchema };

export const createAppBody = z.strictObject({
  name: appNameSchema,
  defaultBranch: gitBranchSchema.optional(),
});

const dnsLabel = "(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)";

/**
 * A name an app answers at: a DNS name whose last label is not a number, which also keeps IP
 * addresses out (a certificate is issued per name, and the proxy routes by name).
 */
export const appDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .refine(
    (h) => !h.startsWith("*."),
    "app domains cannot be wildcards: add each name, or a wildcard route (pier routes)",
  )
  .regex(new RegExp(`^(?:${dnsLabel}\\.)*${dnsLabel}$`), "must be a host name like app.example.com")
  .refine(
    (h) => !/^\d+$/.test(h.slice(h.lastIndexOf(".") + 1)),
    "must be a DNS name, not an IP address: point a name at this server and add that name",
  );

export const addDomainBody = z.strictObject({ host: appDomainSchema });

export const createRouteBody = z.strictObject({
  host: hostSchema,
  pathPrefix: pathPrefixSchema.default("/"),
  stripPrefix: z.boolean().default(false),
  upstreams: z.array(upstreamUrlSchema).min(1, "at least one upstream is required").max(64),
  maxBodyBytes: z.number().int().positive().optional(),
  redirectHttps: z.boolean().optional(),
  canonicalHost: hostSchema.optional(),
  maintenance: z
    .strictObject({ message: z.string().max(2000), healthPath: z.string().optional() })
    .optional(),
  upstreamTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  /** "h2c": HTTP/2 by prior knowledge to the upstreams, for gRPC services (default "http1"). */
  upstreamProtocol: upstreamProtocolSchema.optional(),
});
export type CreateRouteBody = z.infer<typeof createRouteBody>;

export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1, "token name is required").max(80),
  /** Limit the token to these apps: a CI secret for one repository cannot deploy another. */
  apps: z.array(appNameSchema).min(1).max(50).optional(),
  scopes: z
    .array(z.enum(["admin", "write", "deploy", "read"]))
    .min(1)
    .default(["admin"]),
});

export const credentialsBody = z.strictObject({
  email: z.email("must be an email address").toLowerCase(),
  password: z.string().min(1, "password is required").max(1024),
});

/** First-run setup: the admin's credentials and the code pier printed at start. */
export const setupBody = credentialsBody.extend({
  setupCode: z.string().max(100).optional(),
});

export const cliTokenBody = credentialsBody.extend({ name: z.string().trim().min(1).max(80).default("cli") });

export const roleSchema = z.enum(["admin", "member"]);

/** A new user: they get a temporary password, shown once to the admin who invites them. */
export const inviteUserBody = z.strictObject({
  email: z.email("must be an email address").toLowerCase(),
  role: roleSchema.default("member"),
});

export const updateUserBody = z.strictObject({ role: roleSchema });

export const changePasswordBody = z.strictObject({
  currentPassword: z.string().min(1, "the current password is required").max(1024),
  newPassword: z.string().min(1).max(1024),
});

export const settingsBody = z.strictObject({
  baseDomain: hostSchema
    .refine((h) => !h.startsWith("*."), "base domain must not be a wildcard (apps get APP.BASE_DOMAIN)")
    .nullable()
    .optional(),
  acmeEmail: z.email("ACME email must be an email address").toLowerCase().nullable().optional(),
});
