import { z } from "zod";

export const statusRangeSchema = z
  .string()
  .regex(/^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/, 'use "200", "200-299" or a comma list like "200-299,401"');

// Strict, like the monitor body: a misspelt option is a 400 naming it, not a silent default.
export const httpOptionsSchema = z.strictObject({
  method: z.enum(["GET", "HEAD", "POST"]).default("GET"),
  expectedStatus: statusRangeSchema.default("200-399"),
  keyword: z.string().min(1).max(500).optional(),
  keywordMode: z.enum(["present", "absent"]).default("present"),
  /** Slower answers count as failures ("degraded is down" for SLAs with a latency target). */
  maxLatencyMs: z.number().int().positive().optional(),
  followRedirects: z.boolean().default(true),
  headers: z.record(z.string().min(1), z.string()).default({}),
  /** Warn this many days before the certificate expires; 0 turns the check off. */
  tlsExpiryDays: z.number().int().min(0).max(365).default(14),
  ignoreTlsErrors: z.boolean().default(false),
});
export type HttpOptions = z.infer<typeof httpOptionsSchema>;

const monitorFields = {
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[^/\s][^/]*$/, "no slashes, and no leading space"),
  kind: z.enum(["http", "tcp"]).default("http"),
  target: z.string().min(1).max(2000),
  /** Users get at least 10 s (serve enforces it); the schema only bounds what can be stored. */
  intervalSeconds: z.number().int().min(1).max(86_400).default(60),
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  /** Failed checks tolerated before an incident opens: 0 opens on the first failure. */
  retries: z.number().int().min(0).max(20).default(1),
  enabled: z.boolean().default(true),
  http: httpOptionsSchema.default(httpOptionsSchema.parse({})),
};

export const monitorInputSchema = z
  .strictObject({ ...monitorFields, appId: z.string().min(1).optional() })
  .superRefine((m, ctx) => {
    const problem = targetProblem(m.kind, m.target);
    if (problem) ctx.addIssue({ code: "custom", path: ["target"], message: problem });
  });
export type MonitorInput = z.input<typeof monitorInputSchema>;
export type MonitorSpec = z.infer<typeof monitorInputSchema>;

// zod 4 applies a default under .optional(): a patch unwraps them, or `{enabled}` would reset the
// interval, timeout, retries and HTTP options to their defaults. Strict: a misspelt field is a 400.
const http = httpOptionsSchema.shape;
export const monitorPatchSchema = z
  .strictObject({
    name: monitorFields.name.optional(),
    target: monitorFields.target.optional(),
    intervalSeconds: monitorFields.intervalSeconds.unwrap().optional(),
    timeoutMs: monitorFields.timeoutMs.unwrap().optional(),
    retries: monitorFields.retries.unwrap().optional(),
    enabled: z.boolean().optional(),
    http: z
      .strictObject({
        method: http.method.unwrap().optional(),
        expectedStatus: http.expectedStatus.unwrap().optional(),
        keyword: http.keyword,
        keywordMode: http.keywordMode.unwrap().optional(),
        maxLatencyMs: http.maxLatencyMs,
        followRedirects: http.followRedirects.unwrap().optional(),
        headers: http.headers.unwrap().optional(),
        tlsExpiryDays: http.tlsExpiryDays.unwrap().optional(),
        ignoreTlsErrors: http.ignoreTlsErrors.unwrap().optional(),
      })
      .optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message:
      "nothing to change: send at least one of name, target, intervalSeconds, timeoutMs, retries, enabled, http",
  });
export type MonitorPatch = z.infer<typeof monitorPatchSchema>;

export function targetProblem(kind: "http" | "tcp", target: string): string | undefined {
  if (kind === "http") {
    try {
      const url = new URL(target);
      if (url.protocol !== "http:" && url.protocol !== "https:")
        return "an HTTP monitor needs an http:// or https:// URL";
    } catch {
      return "an HTTP monitor needs a URL like https://example.com/health";
    }
    return undefined;
  }
  return parseHostPort(target)
    ? undefined
    : "a TCP monitor needs HOST:PORT, e.g. db.internal:5432 or [::1]:6379";
}

export function parseHostPort(target: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(target);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

/** "200-299,401" → matcher. */
export function statusMatches(range: string, status: number): boolean {
  return range.split(",").some((part) => {
    const [lo, hi] = part.split("-").map(Number);
    return hi === undefined ? status === lo : status >= lo! && status <= hi;
  });
}
